import GatewayMetrics
import GatewayTestSupport
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Testing

@testable import GatewayServer

/// The HTTP/2 preflight lane on an embedded channel: which HEADERS frames it answers itself
/// (one HEADERS frame that ends the stream, one access record) and which it passes on to the
/// stream multiplexer untouched.
@Suite("HTTP/2 preflight lane")
struct HTTP2PreflightLaneTests {
    /// The HTTP/1.1 lane's routes and limits: 8 lines, 400 bytes, one route of each CORS kind.
    static let config = PreflightFastLaneTests.config

    /// Every frame that passes the lane.
    final class Forwarded: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTP2Frame
        var frames: [HTTP2Frame] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            self.frames.append(self.unwrapInboundIn(data))
        }
    }

    struct Lane {
        let channel = EmbeddedChannel()
        let forwarded = Forwarded()
        let accessLog = CapturedLines()
        let metrics = GatewayMetrics()
        let store: RouteTableStore

        init(config: String = HTTP2PreflightLaneTests.config) throws {
            self.store = RouteTableStore(try Self.snapshot(config))
            let telemetry = RequestTelemetry(metrics: self.metrics, accessLog: self.accessLog.logger)
            try self.channel.pipeline.syncOperations.addHandlers([HTTP2PreflightLane(store: self.store, telemetry: telemetry), self.forwarded])
        }

        static func snapshot(_ config: String) throws -> GatewaySnapshot {
            try PreflightFastLaneTests.Lane.snapshot(config)
        }

        /// Sends one HEADERS frame on `stream`; returns the frame the lane answered with, if any.
        func send(_ fields: [(String, String)], endStream: Bool = true, stream: HTTP2StreamID = 1) throws -> HTTP2Frame.FramePayload.Headers? {
            try self.channel.writeInbound(HTTP2Frame(streamID: stream, payload: .headers(.init(headers: HPACKHeaders(fields), endStream: endStream))))
            self.channel.pipeline.fireChannelReadComplete()
            guard let frame = try self.channel.readOutbound(as: HTTP2Frame.self) else { return nil }
            #expect(frame.streamID == stream)
            guard case .headers(let headers) = frame.payload else {
                Issue.record("the lane wrote \(frame.payload)")
                return nil
            }
            return headers
        }
    }

    static func preflight(
        path: String = "/fn/items", authority: String = "gw.test", method: String = "GET", extra: [(String, String)] = []
    ) -> [(String, String)] {
        [(":method", "OPTIONS"), (":scheme", "https"), (":path", path), (":authority", authority),
         ("origin", "https://app.example.com"), ("access-control-request-method", method)] + extra
    }

    @Test func anAllowedPreflightIsOneHeadersFrameThatEndsTheStream() throws {
        let lane = try Lane()
        let answer = try #require(try lane.send(Self.preflight(extra: [("x-request-id", "req-1")])))
        #expect(answer.endStream)
        let fields = answer.headers.map { "\($0.name): \($0.value)" }
        #expect(fields.first == ":status: 204")
        #expect(fields.contains("access-control-allow-origin: https://app.example.com"))
        #expect(fields.suffix(2) == ["x-request-id: req-1", "content-length: 0"])
        #expect(answer.headers.allSatisfy { $0.name == $0.name.lowercased() })
        #expect(lane.forwarded.frames.isEmpty)
        let line = try #require(lane.accessLog.entries.last)
        #expect(line["protocol"] == "HTTP/2")
        #expect(line["status"] == "204")
        #expect(line["route"] == "fn")
        #expect(line["path"] == "/fn/items")
        #expect(line["request_id"] == "req-1")
        #expect(line["cors"] == "preflight-allowed")
    }

    @Test func aRefusedPreflightIsAnswered403WithoutAllowOrigin() throws {
        let lane = try Lane()
        let answer = try #require(try lane.send(Self.preflight(method: "PUT")))
        #expect(answer.headers.first(name: ":status") == "403")
        #expect(answer.headers.first(name: "access-control-allow-origin") == nil)
        #expect(answer.headers.first(name: "x-request-id")?.count == 32, "a generated id")
        #expect(lane.accessLog.entries.last?["cors"] == "preflight-rejected")
    }

    /// What the lane leaves to the stream multiplexer (and so to `ProxyHandler`): everything
    /// the general path answers with an error, proxies, or reads differently.
    @Test(arguments: [
        ("GET", preflight().map { $0.0 == ":method" ? ($0.0, "GET") : $0 }),
        ("no origin", preflight().filter { $0.0 != "origin" }),
        ("no request method", preflight().filter { $0.0 != "access-control-request-method" }),
        ("a host field", preflight(extra: [("host", "gw.test")])),
        ("a content-length", preflight(extra: [("content-length", "0")])),
        ("an expectation", preflight(extra: [("expect", "100-continue")])),
        ("no :authority", preflight().filter { $0.0 != ":authority" }),
        ("no :scheme", preflight().filter { $0.0 != ":scheme" }),
        ("an invalid authority", preflight(authority: "x..test")),
        ("a path with a fragment", preflight(path: "/fn/a#b")),
        ("an asterisk path", preflight(path: "*")),
        ("a path above the root", preflight(path: "/fn/../../x")),
        ("no route", preflight(path: "/nowhere")),
        ("a route without CORS", preflight(path: "/plain/x")),
        ("report-only", preflight(path: "/report/x")),
        ("preflights forwarded", preflight(path: "/forward/x")),
        ("too many fields", preflight(extra: (1...5).map { ("x-\($0)", "1") })),
        ("too many bytes", preflight(extra: [("x-big", String(repeating: "a", count: 300))])),
    ])
    func passesWhatTheGeneralPathDecides(_ name: String, _ fields: [(String, String)]) throws {
        let lane = try Lane()
        #expect(try lane.send(fields) == nil, "\(name) was answered by the lane")
        let forwarded = try #require(lane.forwarded.frames.first)
        guard case .headers(let block) = forwarded.payload else {
            Issue.record("forwarded \(forwarded.payload)")
            return
        }
        #expect(block.headers.map { "\($0.name): \($0.value)" } == fields.map { "\($0.0): \($0.1)" }, "passed on unchanged")
        #expect(lane.accessLog.entries.isEmpty)
    }

    /// The limits count the `host` and `content-length: 0` lines the HTTP/1 codec adds, as
    /// `ProxyHandler` sees them: 6 regular fields here and those two make the limit of 8.
    @Test func theLimitsCountTheLinesTheCodecAdds() throws {
        let lane = try Lane()
        #expect(try lane.send(Self.preflight(extra: (1...4).map { ("x-\($0)", "1") })) != nil)
        #expect(try lane.send(Self.preflight(extra: (1...5).map { ("x-\($0)", "1") }), stream: 3) == nil)
    }

    @Test func aHeadersFrameThatDoesNotEndItsStreamIsPassedOn() throws {
        let lane = try Lane()
        #expect(try lane.send(Self.preflight(), endStream: false) == nil)
        #expect(lane.forwarded.frames.count == 1)
    }

    /// SPEC §11: under `underscoreHeaders: "reject"` a head with an `_` name is the general
    /// path's 400, so the lane leaves it alone; under the default it answers it.
    @Test func anUnderscoreNameIsAnsweredUnlessTheConfigRejectsIt() throws {
        let withUnderscore = Self.preflight(extra: [("x_trace", "1")])
        #expect(try Lane().send(withUnderscore) != nil)
        let rejecting = try Lane(config: Self.config.replacingOccurrences(
            of: #""maxRequestHeaderBytes": 400"#, with: #""maxRequestHeaderBytes": 400, "underscoreHeaders": "reject""#))
        #expect(try rejecting.send(withUnderscore) == nil)
        #expect(try rejecting.send(Self.preflight(), stream: 3) != nil)
    }

    /// The answer kept for a repeated preflight is decided again after a reload.
    @Test func aKeptAnswerDoesNotOutliveAReload() throws {
        let lane = try Lane()
        #expect(try lane.send(Self.preflight()).map { $0.headers.first(name: ":status") } == "204")
        #expect(try lane.send(Self.preflight(), stream: 3).map { $0.headers.first(name: ":status") } == "204")
        let narrowed = Self.config.replacingOccurrences(of: #""allowMethods": ["GET", "POST"]"#, with: #""allowMethods": ["POST"]"#)
        #expect(narrowed != Self.config)
        lane.store.replace(with: try Lane.snapshot(narrowed))
        #expect(try lane.send(Self.preflight(), stream: 5).map { $0.headers.first(name: ":status") } == "403")
    }

    /// A different origin on the same connection is decided, not served the kept answer.
    @Test func aKeptAnswerIsOnlyForTheSameRequest() throws {
        let lane = try Lane()
        #expect(try lane.send(Self.preflight()).map { $0.headers.first(name: ":status") } == "204")
        let other = Self.preflight().map { $0.0 == "origin" ? ($0.0, "https://evil.example") : $0 }
        #expect(try lane.send(other, stream: 3).map { $0.headers.first(name: ":status") } == "403")
        #expect(try lane.send(Self.preflight(path: "/nowhere"), stream: 5) == nil)
    }
}
