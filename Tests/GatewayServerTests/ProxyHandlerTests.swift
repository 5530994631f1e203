import CurlEngine
import GatewayConfig
import GatewayMetrics
import GatewayTestSupport
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import GatewayServer

/// `ProxyHandler` on an embedded channel with a scripted upstream: each exchange's path,
/// event by event, with the loop's clock moved by hand.
@Suite("Proxy handler")
struct ProxyHandlerTests {
    static let config = """
        {
          "listen": ["127.0.0.1:0"], "admin": null,
          "limits": { "maxRequestBodyBytes": 1000 },
          "backends": { "b": { "url": "http://127.0.0.1:9", "responseTimeoutMs": 100, "idleTimeoutMs": 300 } },
          "routes": [
            { "name": "fn", "match": { "pathPrefix": "/fn" }, "backend": "b",
              "cookies": { "maxAge": 60, "overMaxAge": "reject" } }
          ]
        }
        """

    /// Counts the reads that pass the handler towards the socket.
    final class ReadCounter: ChannelOutboundHandler, @unchecked Sendable {
        typealias OutboundIn = ByteBuffer
        var reads = 0
        func read(context: ChannelHandlerContext) {
            self.reads += 1
            context.read()
        }
    }

    struct Connection {
        let channel = EmbeddedChannel()
        let upstream = ScriptedUpstream()
        let reads = ReadCounter()
        let accessLog = CapturedLines()

        init() throws {
            var result = ConfigLoader.parse(data: Array(ProxyHandlerTests.config.utf8))
            let snapshot = try #require(GatewaySnapshot.resolve(&result, configDirectory: "/"), "\(result.allErrors)")
            let telemetry = RequestTelemetry(metrics: GatewayMetrics(), accessLog: self.accessLog.logger)
            let timer = RequestHeadTimer(headerTimeout: .seconds(60), idleTimeout: .seconds(60), telemetry: telemetry)
            let handler = ProxyHandler(store: RouteTableStore(snapshot), upstream: self.upstream, telemetry: telemetry, headTimer: timer)
            try self.channel.pipeline.syncOperations.addHandlers([self.reads, handler])
            try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        }

        func send(_ method: HTTPMethod = .GET, _ uri: String = "/fn/x", headers: [(String, String)] = [], body: [String] = [], end: Bool = true) throws {
            var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
            head.headers.add(name: "Host", value: "gw.example")
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            try self.channel.writeInbound(HTTPServerRequestPart.head(head))
            for piece in body { try self.channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: piece))) }
            if end { try self.channel.writeInbound(HTTPServerRequestPart.end(nil)) }
        }

        /// Everything written to the client so far, as text.
        func written() throws -> String {
            var text = ""
            while let buffer = try self.channel.readOutbound(as: ByteBuffer.self) {
                text += String(buffer: buffer)
            }
            return text
        }

        var transfer: ScriptedUpstream.Transfer { self.upstream.transfers.last! }

        func advance(milliseconds: Int64) {
            self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(milliseconds))
        }
    }

    static let okHead = UpstreamResponseHead(status: 200, reason: "OK", headers: [("Content-Length", "5")])

    @Test func proxiedRequestStreamsTheBackendsResponse() throws {
        let connection = try Connection()
        try connection.send(.POST, headers: [("Content-Length", "3")], body: ["abc"])
        let transfer = connection.transfer
        #expect(transfer.request.method == "POST")
        #expect(transfer.request.body == .known(3))
        #expect(transfer.body == Array("abc".utf8) && transfer.bodyEnded)
        transfer.deliver(.head(Self.okHead), .body(ByteBuffer(string: "hello")), .end)
        let text = try connection.written()
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.hasSuffix("\r\n\r\nhello"))
        #expect(transfer.bytesWritten == 5)
        #expect(!transfer.cancelled)
        #expect(connection.accessLog.entries.count == 1)
        #expect(connection.channel.isActive)
    }

    /// SPEC §11: the backend's reason phrase never reaches the client; a code's standard one does.
    @Test func statusLineCarriesTheStandardReasonPhrase() throws {
        let connection = try Connection()
        try connection.send()
        connection.transfer.deliver(.head(UpstreamResponseHead(status: 200, reason: "Totally Fine", headers: [("Content-Length", "0")])), .end)
        #expect(try connection.written().hasPrefix("HTTP/1.1 200 OK\r\n"))
    }

    /// The upload buffer is full: reads stop until the transfer drained it.
    @Test func fullUploadBufferHoldsReadsUntilTheTransferCanTakeMore() throws {
        let connection = try Connection()
        try connection.send(.POST, headers: [("Content-Length", "6")], body: ["abc"], end: false)
        connection.transfer.acceptsMoreBody = false
        try connection.channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: "def")))
        let before = connection.reads.reads
        connection.channel.read()
        #expect(connection.reads.reads == before, "a read passed while the upload buffer was full")
        connection.transfer.deliver(.uploadCanResume)
        #expect(connection.reads.reads == before + 1, "the held read was not released")
    }

    /// Finding 3 of the exchange review: a 504 while reads are held (the last read carried the
    /// end too) must release them, or the next keep-alive request is never read.
    @Test func responseTimeoutReleasesHeldReads() throws {
        let connection = try Connection()
        try connection.send(.POST, headers: [("Content-Length", "6")], body: ["abc"], end: false)
        connection.transfer.acceptsMoreBody = false
        try connection.channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: "def")))
        connection.channel.read()
        let held = connection.reads.reads
        try connection.channel.writeInbound(HTTPServerRequestPart.end(nil))
        connection.advance(milliseconds: 150)
        let text = try connection.written()
        #expect(text.hasPrefix("HTTP/1.1 504 Gateway Timeout\r\n"))
        #expect(connection.transfer.cancelled)
        #expect(connection.reads.reads > held, "reads still held after the exchange ended")
        try connection.send()
        #expect(connection.upstream.transfers.count == 2, "the next request was not handled")
    }

    @Test func failureBeforeTheHeadIs502AndAfterItAnAbort() throws {
        let connection = try Connection()
        try connection.send()
        connection.transfer.deliver(.failed(.unavailable("refused")))
        #expect(try connection.written().contains("\"error\":\"upstream_unavailable\""))
        #expect(connection.channel.isActive)

        try connection.send()
        connection.transfer.deliver(.head(Self.okHead), .body(ByteBuffer(string: "he")))
        _ = try connection.written()
        connection.transfer.deliver(.failed(.invalidResponse("reset")))
        #expect(!connection.channel.isActive, "a response cut short must not look complete")
        #expect(connection.accessLog.entries.count == 2)
    }

    /// A transfer that waited too long for a backend slot: 503 with Retry-After, keep-alive.
    @Test func busyBackendIs503WithRetryAfter() throws {
        let connection = try Connection()
        try connection.send()
        connection.transfer.deliver(.failed(.busy("no slot")))
        let text = try connection.written()
        #expect(text.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        #expect(text.contains("Retry-After: 1\r\n"))
        #expect(text.contains("\"error\":\"upstream_busy\""))
    }

    /// A rejected cookie answers 502; body bytes in the same batch are handed back, not lost.
    @Test func cookieRejectionDiscardsTheRestOfTheBatch() throws {
        let connection = try Connection()
        try connection.send()
        let head = UpstreamResponseHead(status: 200, reason: "OK", headers: [("Set-Cookie", "a=b; Max-Age=999999"), ("Content-Length", "5")])
        connection.transfer.deliver(.head(head), .body(ByteBuffer(string: "hello")))
        #expect(try connection.written().contains("\"error\":\"cookie_rejected\""))
        #expect(connection.transfer.cancelled)
        #expect(connection.transfer.bytesDiscarded == 5)
    }

    /// SPEC §11: a client that stops taking the response is cut off after `idleTimeoutMs`.
    @Test func stalledResponseIsCutOffByTheIdleTimeout() throws {
        let connection = try Connection()
        try connection.send()
        connection.transfer.deliver(.head(UpstreamResponseHead(status: 200, reason: "OK", headers: [("Content-Length", "100")])))
        connection.advance(milliseconds: 250)
        #expect(connection.channel.isActive)
        connection.advance(milliseconds: 100)
        #expect(connection.transfer.cancelled)
        #expect(!connection.channel.isActive)
    }

    /// HEAD goes upstream as HEAD without a body, whatever framing the client sent.
    @Test func headIsForwardedWithoutBody() throws {
        let connection = try Connection()
        try connection.send(.HEAD, headers: [("Content-Length", "0")])
        #expect(connection.transfer.request.method == "HEAD")
        #expect(connection.transfer.request.body == UpstreamRequest.BodyFraming.none)
        connection.transfer.deliver(.head(Self.okHead), .end)
        let text = try connection.written()
        #expect(text.hasSuffix("\r\n\r\n"), "a HEAD answer carries no body")
    }

    /// Pipelined requests wait for the response before them, then go on in order.
    @Test func pipelinedRequestWaitsForTheResponseBeforeIt() throws {
        let connection = try Connection()
        try connection.send(.GET, "/fn/one")
        try connection.send(.GET, "/fn/two")
        #expect(connection.upstream.transfers.count == 1)
        connection.transfer.deliver(.head(Self.okHead), .body(ByteBuffer(string: "hello")), .end)
        #expect(connection.upstream.transfers.count == 2)
        #expect(connection.transfer.request.url.hasSuffix("/two"))
    }

    /// The client went away: the transfer is cancelled and the request logged as incomplete.
    @Test func clientGoneCancelsTheTransfer() throws {
        let connection = try Connection()
        try connection.send()
        _ = try connection.channel.close().wait()
        #expect(connection.transfer.cancelled)
        #expect(connection.accessLog.entries.count == 1)
    }
}
