import CurlEngine
import GatewayConfig
import GatewayMetrics
import GatewayTestSupport
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayServer

/// The preflight fast lane on an embedded channel: which requests it answers from the bytes,
/// and that everything else reaches the decoder whole, in order, from a request boundary.
@Suite("Preflight fast lane")
struct PreflightFastLaneTests {
    static let config = """
        {
          "listen": ["127.0.0.1:0"], "admin": null,
          "limits": { "maxRequestHeaders": 8, "maxRequestHeaderBytes": 400 },
          "backends": { "b": { "url": "http://127.0.0.1:9" } },
          "routes": [
            { "name": "fn", "match": { "pathPrefix": "/fn" }, "backend": "b",
              "cors": { "allowOrigins": ["https://app.example.com"], "allowMethods": ["GET", "POST"] } },
            { "name": "report", "match": { "pathPrefix": "/report" }, "backend": "b",
              "cors": { "allowOrigins": ["https://app.example.com"], "mode": "report-only" } },
            { "name": "forward", "match": { "pathPrefix": "/forward" }, "backend": "b",
              "cors": { "allowOrigins": ["https://app.example.com"], "preflight": "forward" } },
            { "name": "plain", "match": { "pathPrefix": "/plain" }, "backend": "b" }
          ]
        }
        """

    /// Everything that passes the fast lane, as it arrived.
    final class Forwarded: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var bytes: [UInt8] = []
        var events: [Any] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            self.bytes += self.unwrapInboundIn(data).readableBytesView
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            self.events.append(event)
        }
    }

    struct Lane {
        let channel: EmbeddedChannel
        let lane: PreflightFastLane
        let forwarded: Forwarded
        let metrics: GatewayMetrics
        let accessLog: CapturedLines
        let store: RouteTableStore

        init() throws {
            let snapshot = try Self.snapshot(PreflightFastLaneTests.config)
            self.metrics = GatewayMetrics()
            self.accessLog = CapturedLines()
            let telemetry = RequestTelemetry(metrics: self.metrics, accessLog: self.accessLog.logger)
            let timer = RequestHeadTimer(headerTimeout: .seconds(5), idleTimeout: .seconds(60), telemetry: telemetry)
            self.store = RouteTableStore(snapshot)
            self.lane = PreflightFastLane(store: self.store, telemetry: telemetry, headTimer: timer)
            self.forwarded = Forwarded()
            self.channel = EmbeddedChannel()
            try self.channel.pipeline.syncOperations.addHandlers([timer, self.lane, self.forwarded])
        }

        static func snapshot(_ config: String) throws -> GatewaySnapshot {
            var result = ConfigLoader.parse(data: Array(config.utf8))
            return try #require(GatewaySnapshot.resolve(&result, configDirectory: "/"), "\(result.allErrors)")
        }

        func send(_ text: String) throws {
            try self.channel.writeInbound(ByteBuffer(string: text))
        }

        /// Every response written so far, as text.
        func written() throws -> String {
            var text = ""
            while let buffer = try self.channel.readOutbound(as: ByteBuffer.self) {
                text += String(buffer: buffer)
            }
            return text
        }

        var forwardedText: String { String(decoding: self.forwarded.bytes, as: UTF8.self) }
    }

    static func preflight(path: String = "/fn/x", origin: String = "https://app.example.com", method: String = "POST", extra: String = "") -> String {
        "OPTIONS \(path) HTTP/1.1\r\nHost: gw.test\r\nOrigin: \(origin)\r\nAccess-Control-Request-Method: \(method)\r\n\(extra)\r\n"
    }

    @Test func answersAnAllowedPreflightWithoutTheDecoder() throws {
        let lane = try Lane()
        try lane.send(Self.preflight(extra: "X-Request-Id: fast-1\r\n"))
        #expect(try lane.written() == """
            HTTP/1.1 204 No Content\r
            Access-Control-Allow-Origin: https://app.example.com\r
            Access-Control-Allow-Methods: GET, POST\r
            Access-Control-Max-Age: 600\r
            Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers\r
            X-Request-Id: fast-1\r
            Content-Length: 0\r
            \r\n
            """)
        #expect(lane.forwarded.bytes.isEmpty)
        #expect(!lane.lane.handedOff)
        let entries = lane.accessLog.entries
        #expect(entries.count == 1)
        #expect(entries.first?["request_id"] == "fast-1")
        #expect(entries.first?["route"] == "fn")
        #expect(entries.first?["path"] == "/fn/x")
        #expect(entries.first?["cors"] == "preflight-allowed")
    }

    @Test func answersARejectedPreflightAndCountsIt() throws {
        let lane = try Lane()
        // The second is a repeat: answered from the kept answer, counted the same.
        try lane.send(Self.preflight(origin: "https://evil.example") + Self.preflight(origin: "https://evil.example") + Self.preflight(method: "DELETE"))
        let written = try lane.written()
        #expect(written.components(separatedBy: "HTTP/1.1 403 Forbidden\r\n").count == 4)
        #expect(!written.contains("Access-Control-Allow-Origin"))
        #expect(lane.forwarded.bytes.isEmpty)
        #expect(lane.accessLog.entries.map { $0["cors_reason"] } == ["origin", "origin", "method"])
        let exposition = lane.metrics.exposition(openConnections: 0, transfersInFlight: 0)
        #expect(exposition.contains(#"cors_gateway_preflights_total{route="fn",result="rejected",mode="enforce"} 3"#))
        #expect(exposition.contains(#"cors_gateway_cors_rejections_total{route="fn",reason="origin",mode="enforce"} 2"#))
        #expect(exposition.contains(#"cors_gateway_requests_total{route="fn",method="OPTIONS",status="403"} 3"#))
    }

    @Test func answersBackToBackPreflightsThenHandsTheRestOverFromItsStart() throws {
        let lane = try Lane()
        let get = "GET /fn/x HTTP/1.1\r\nHost: gw.test\r\n\r\n"
        try lane.send(Self.preflight() + Self.preflight() + get + Self.preflight())
        #expect(try lane.written().components(separatedBy: "HTTP/1.1 204").count == 3)
        #expect(lane.forwardedText == get + Self.preflight())
        #expect(lane.lane.handedOff)
        // For good: a preflight after the hand-over goes to the decoder too.
        try lane.send(Self.preflight())
        #expect(try lane.written().isEmpty)
        #expect(lane.forwardedText == get + Self.preflight() + Self.preflight())
    }

    @Test func aHeadSplitAcrossReadsGoesToTheDecoder() throws {
        let lane = try Lane()
        let request = Self.preflight()
        let cut = request.index(request.startIndex, offsetBy: 20)
        try lane.send(String(request[..<cut]))
        try lane.send(String(request[cut...]))
        #expect(try lane.written().isEmpty)
        #expect(lane.forwardedText == request)
    }

    @Test(arguments: [
        ("not OPTIONS", "GET /fn/x HTTP/1.1\r\nHost: gw.test\r\nOrigin: https://app.example.com\r\nAccess-Control-Request-Method: POST\r\n\r\n"),
        ("lowercase method", "options /fn/x HTTP/1.1\r\nHost: gw.test\r\nOrigin: https://app.example.com\r\nAccess-Control-Request-Method: POST\r\n\r\n"),
        ("no Origin", "OPTIONS /fn/x HTTP/1.1\r\nHost: gw.test\r\nAccess-Control-Request-Method: POST\r\n\r\n"),
        ("no request method", "OPTIONS /fn/x HTTP/1.1\r\nHost: gw.test\r\nOrigin: https://app.example.com\r\n\r\n"),
        ("no Host", "OPTIONS /fn/x HTTP/1.1\r\nOrigin: https://app.example.com\r\nAccess-Control-Request-Method: POST\r\n\r\n"),
        ("two Hosts", preflight(extra: "Host: other\r\n")),
        ("a body", preflight(extra: "Content-Length: 2\r\n") + "{}"),
        ("chunked", preflight(extra: "Transfer-Encoding: chunked\r\n") + "0\r\n\r\n"),
        ("Expect", preflight(extra: "Expect: 100-continue\r\n")),
        ("Upgrade", preflight(extra: "Upgrade: websocket\r\n")),
        ("Connection: close", preflight(extra: "Connection: close\r\n")),
        ("HTTP/1.0", "OPTIONS /fn/x HTTP/1.0\r\nHost: gw.test\r\nOrigin: https://app.example.com\r\nAccess-Control-Request-Method: POST\r\n\r\n"),
        ("no route", preflight(path: "/nowhere")),
        ("report-only", preflight(path: "/report/x")),
        ("preflight forwarded", preflight(path: "/forward/x")),
        ("no CORS", preflight(path: "/plain/x")),
        ("too many lines", preflight(extra: String(repeating: "X-A: 1\r\n", count: 6))),
        ("too many bytes", preflight(extra: "X-Big: \(String(repeating: "b", count: 400))\r\n")),
        ("trailing whitespace", preflight(extra: "X-A: 1 \r\n")),
        // SPEC §11: the general path answers these 400.
        ("Host with user info", preflight().replacingOccurrences(of: "Host: gw.test", with: "Host: admin.internal:@evil.com")),
        ("Host with an empty label", preflight().replacingOccurrences(of: "Host: gw.test", with: "Host: x..example.com")),
        ("a climb above the root", preflight(path: "/fn/../../fn/x")),
        ("an encoded climb above the root", preflight(path: "/%2e%2E/fn/x")),
        ("an encoded slash", preflight(path: "/fn/a%2Fb")),
    ])
    func leavesEverythingElseToTheDecoder(_ what: String, _ request: String) throws {
        let lane = try Lane()
        try lane.send(request)
        #expect(try lane.written().isEmpty, "\(what)")
        #expect(lane.forwardedText == request, "\(what)")
        #expect(lane.accessLog.entries.isEmpty, "\(what)")
    }

    /// SPEC §11: routes match the normalised path; the access log keeps the path as received.
    @Test func routesOnTheNormalisedPath() throws {
        let lane = try Lane()
        try lane.send(Self.preflight(path: "/plain/../fn/%2e/x?q=1"))
        #expect(try lane.written().hasPrefix("HTTP/1.1 204"))
        #expect(lane.accessLog.entries.first?["route"] == "fn")
        #expect(lane.accessLog.entries.first?["path"] == "/plain/../fn/%2e/x")
        // The route of the normalised path has no CORS: the general path forwards it.
        let toPlain = Self.preflight(path: "/fn/%2E%2E/plain/x")
        try lane.send(toPlain)
        #expect(try lane.written().isEmpty)
        #expect(lane.forwardedText == toPlain)
    }

    /// SPEC §11: dropping `_` names changes nothing a preflight answer reads, but rejecting
    /// them is the general path's 400, so under `reject` the lane leaves such a head alone.
    @Test func anUnderscoreNameIsAnsweredUnlessTheConfigRejectsIt() throws {
        let lane = try Lane()
        let request = Self.preflight(extra: "X_Trace: 1\r\n")
        try lane.send(request)
        #expect(try lane.written().hasPrefix("HTTP/1.1 204"))
        let rejecting = Self.config.replacingOccurrences(
            of: #""maxRequestHeaderBytes": 400"#, with: #""maxRequestHeaderBytes": 400, "underscoreHeaders": "reject""#)
        #expect(rejecting != Self.config)
        lane.store.replace(with: try Lane.snapshot(rejecting))
        try lane.send(Self.preflight())
        #expect(try lane.written().hasPrefix("HTTP/1.1 204"), "a head without one is still answered")
        try lane.send(request)
        #expect(try lane.written().isEmpty)
        #expect(lane.forwardedText == request)
    }

    /// A partial head handed on behind an answered preflight gets the head timeout (5 s, 408),
    /// not the idle timeout (60 s) the answer started.
    @Test func aPartialHeadBehindAnAnswerGetsTheHeadTimeout() throws {
        let lane = try Lane()
        try lane.send(Self.preflight() + "GET /fn/x HTT")
        #expect(try lane.written().hasPrefix("HTTP/1.1 204"))
        lane.channel.embeddedEventLoop.advanceTime(by: .seconds(6))
        #expect(try lane.written().hasPrefix("HTTP/1.1 408"))
    }

    @Test func keepAliveIsAnsweredAndDrainingHandsOver() throws {
        let lane = try Lane()
        try lane.send(Self.preflight(extra: "Connection: Keep-Alive\r\n"))
        #expect(try lane.written().hasPrefix("HTTP/1.1 204 No Content\r\n"))
        lane.channel.pipeline.fireUserInboundEventTriggered(DrainEvent.finishCurrentExchange)
        #expect(lane.forwarded.events.count == 1)
        try lane.send(Self.preflight())
        #expect(try lane.written().isEmpty)
        #expect(lane.forwardedText == Self.preflight())
    }

    @Test func aRepeatedHeadGetsTheSameAnswerWithItsOwnRequestId() throws {
        let lane = try Lane()
        try lane.send(Self.preflight(extra: "X-Request-Id: same\r\n"))
        let first = try lane.written()
        try lane.send(Self.preflight(extra: "X-Request-Id: same\r\n"))
        #expect(try lane.written() == first)

        try lane.send(Self.preflight())
        let generated = try lane.written()
        try lane.send(Self.preflight())
        let again = try lane.written()
        let ids = [generated, again].map { answer in
            answer.split(separator: "\r\n").first { $0.hasPrefix("X-Request-Id: ") }
        }
        #expect(ids[0] != nil && ids[0] != ids[1])
        #expect(generated.replacingOccurrences(of: String(ids[0]!), with: "") == again.replacingOccurrences(of: String(ids[1]!), with: ""))
        #expect(lane.accessLog.entries.count == 4)
    }

    @Test func aHeadThatDiffersInOneByteIsDecidedAgain() throws {
        let lane = try Lane()
        try lane.send(Self.preflight(origin: "https://app.example.com"))
        #expect(try lane.written().hasPrefix("HTTP/1.1 204"))
        try lane.send(Self.preflight(origin: "https://app.example.con"))
        #expect(try lane.written().hasPrefix("HTTP/1.1 403"))
        try lane.send(Self.preflight(method: "GET"))
        #expect(try lane.written().hasPrefix("HTTP/1.1 204"))
    }

    @Test func aRepeatedHeadAfterAReloadIsDecidedByTheNewConfig() throws {
        let lane = try Lane()
        try lane.send(Self.preflight())
        #expect(try lane.written().hasPrefix("HTTP/1.1 204"))
        let narrowed = Self.config.replacingOccurrences(of: #""allowMethods": ["GET", "POST"]"#, with: #""allowMethods": ["GET"]"#)
        #expect(narrowed != Self.config)
        lane.store.replace(with: try Lane.snapshot(narrowed))
        try lane.send(Self.preflight())
        #expect(try lane.written().hasPrefix("HTTP/1.1 403"))
        #expect(lane.accessLog.entries.last?["cors_reason"] == "method")
    }

    @Test func anUnacceptableClientRequestIdIsReplacedEveryTime() throws {
        let lane = try Lane()
        try lane.send(Self.preflight(extra: "X-Request-Id: not/acceptable\r\n"))
        try lane.send(Self.preflight(extra: "X-Request-Id: not/acceptable\r\n"))
        let ids = lane.accessLog.entries.map { $0["request_id"] }
        #expect(ids.count == 2)
        #expect(ids[0] != ids[1])
        #expect(!(ids[0] ?? "").contains("/"))
    }

    /// The server's connection pipeline puts the lane in front of the decoder: a preflight is
    /// answered there, a request that is not one moves the connection to the general path, and
    /// the general path then answers the same preflight with the same bytes.
    @Test func theConnectionPipelineAnswersPreflightsInTheLane() throws {
        let snapshot = try Lane.snapshot(Self.config)
        let engine = CurlEngine()
        defer { engine.shutdown() }
        let metrics = GatewayMetrics()
        let telemetry = RequestTelemetry(metrics: metrics, accessLog: nil)
        let channel = EmbeddedChannel()
        try GatewayServer.addConnectionHandlers(to: channel, store: RouteTableStore(snapshot), engine: engine, telemetry: telemetry)
        let lane = try channel.pipeline.syncOperations.handler(type: PreflightFastLane.self)
        func exchange(_ request: String) throws -> String {
            try channel.writeInbound(ByteBuffer(string: request))
            var text = ""
            while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
            return text
        }
        let preflight = Self.preflight(extra: "X-Request-Id: same\r\n")
        let fast = try exchange(preflight)
        #expect(fast.hasPrefix("HTTP/1.1 204 No Content\r\n"))
        #expect(!lane.handedOff)
        #expect(try exchange("GET /nowhere HTTP/1.1\r\nHost: gw.test\r\n\r\n").hasPrefix("HTTP/1.1 404"))
        #expect(lane.handedOff)
        #expect(try exchange(preflight) == fast)
        // Counted with the access log off, in the lane and on the general path alike.
        let exposition = metrics.exposition(openConnections: 0, transfersInFlight: 0)
        #expect(exposition.contains(#"cors_gateway_requests_total{route="fn",method="OPTIONS",status="204"} 2"#))
        #expect(exposition.contains(#"cors_gateway_preflights_total{route="fn",result="allowed",mode="enforce"} 2"#))
        _ = try channel.finish(acceptAlreadyClosed: true)
    }
}
