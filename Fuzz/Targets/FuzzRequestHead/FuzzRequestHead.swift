// The preflight fast lane's raw-byte parser, PlainRequestHead, against the general path
// (NIO's decoder and ProxyHandler), in process on embedded channels built by the server's own
// `GatewayServer.addConnectionHandlers`, under two configurations (default limits; small
// limits with underscoreHeaders "reject" and encodedSlashes "keep"). Properties:
// - a head the lane takes (PlainPreflight accepts it) is read by NIO's decoder (llhttp) as
//   the same method, target and header lines. Heads PlainRequestHead completes but the lane
//   refuses (any Content-Length, say: llhttp refuses an empty one) reach the decoder unread;
// - every head the lane answers gets the same answer on a connection already handed to the
//   general path (as PreflightFastLaneEquivalenceTests does over sockets): byte for byte,
//   request ids aside (each side draws its own when the client's is missing or unacceptable),
//   and the general path never sends it to a backend.
import CurlEngine
import FuzzSupport
import GatewayConfig
import GatewayMetrics
import GatewayPolicy
import NIOCore
import NIOEmbedded
import NIOHTTP1

@testable import GatewayServer

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for gateway in gateways {
        gateway.checkSameAnswer(bytes)
    }
    return 0
}

// MARK: PlainRequestHead and llhttp

/// `head` is a head PlainPreflight accepted, `fields` its lines.
private func checkSameParse(_ head: [UInt8], _ fields: [PlainRequestHead.Field]) {
    var ignored: [PlainRequestHead.Field] = []
    guard case .complete(_, let target, _) = head.withUnsafeBytes({ PlainRequestHead.parse($0, fields: &ignored, maxFields: .max) }) else {
        property(false, "PlainPreflight accepted a head PlainRequestHead does not complete")
        return
    }
    func text(_ span: PlainRequestHead.Span) -> String { String(decoding: head[span.start..<span.end], as: UTF8.self) }
    let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)))
    defer { _ = try? channel.finish() }
    let context = String(reflecting: String(decoding: head, as: UTF8.self))
    do {
        try channel.writeInbound(ByteBuffer(bytes: head))
    } catch {
        property(false, "the lane reads \(context) as a complete head, NIO's decoder fails: \(error)")
    }
    guard case .head(let parsed)? = try? channel.readInbound(as: HTTPServerRequestPart.self) else {
        property(false, "the lane reads \(context) as a complete head, NIO's decoder gives no head")
        return
    }
    property(parsed.method == .OPTIONS && parsed.uri == text(target) && parsed.version == .http1_1,
             "\(context): NIO reads \(parsed.method) \(parsed.uri) \(parsed.version)")
    let lines = fields.map { (text($0.name), text($0.value)) }
    let nioLines = parsed.headers.map { ($0.name, $0.value) }
    property(lines.count == nioLines.count && zip(lines, nioLines).allSatisfy { $0 == $1 },
             "\(context): the lane reads \(lines), NIO reads \(nioLines)")
}

// MARK: The fast lane and the general path

/// An upstream that records what reaches it and never answers: a preflight the lane answers
/// must never get there on the general path.
private final class RecordingUpstream: UpstreamClient, @unchecked Sendable {
    var started: [UpstreamRequest] = []

    final class Transfer: UpstreamTransfer {
        func appendRequestBody(_ buffer: ByteBuffer) -> Bool { true }
        func finishRequestBody() {}
        func responseBytesWritten(_ count: Int) {}
        func discard(_ events: [UpstreamEvent]) {}
        func cancel() {}
    }

    func startTransfer(_ request: UpstreamRequest, on eventLoop: any EventLoop, delegate: any UpstreamTransferDelegate) -> any UpstreamTransfer {
        self.started.append(request)
        return Transfer()
    }

    var transfersInFlight: Int { 0 }
    var bufferedBytes: Int { 0 }
}

private let routes = """
    "backends": { "b": { "url": "http://127.0.0.1:9" } },
    "routes": [
      { "name": "fn", "match": { "pathPrefix": "/fn" }, "backend": "b",
        "cors": { "allowOrigins": ["https://app.example.com", "https://*.example.org", "null"], "allowMethods": ["GET", "POST"],
                  "allowHeaders": ["content-type", "x-api-key"], "exposeHeaders": ["x-request-id"], "maxAge": 600,
                  "allowPrivateNetwork": true, "debug": true } },
      { "name": "cred", "match": { "hosts": ["gw.test", "*.example.com"], "pathPrefix": "/cred/", "methods": ["PUT", "DELETE"] }, "backend": "b",
        "cors": { "allowOrigins": ["https://app.example.com", "http://localhost:*"], "allowCredentials": true,
                  "allowMethods": ["PUT", "DELETE"], "allowHeaders": ["authorization", "x-anything"], "preflightStatus": 200 } },
      { "name": "exact", "match": { "path": "/exact" }, "backend": "b",
        "cors": { "allowOrigins": ["*"], "allowMethods": ["GET"], "allowHeaders": ["*"] } },
      { "name": "report", "match": { "pathPrefix": "/report" }, "backend": "b",
        "cors": { "allowOrigins": ["https://app.example.com"], "mode": "report-only" } },
      { "name": "forward", "match": { "pathPrefix": "/forward" }, "backend": "b",
        "cors": { "allowOrigins": ["https://app.example.com"], "preflight": "forward" } },
      { "name": "plain", "match": { "pathPrefix": "/plain" }, "backend": "b" }
    ]
    """

nonisolated(unsafe) private let gateways = [
    Gateway(#"{ "listen": ["127.0.0.1:0"], "admin": null, \#(routes) }"#),
    Gateway(#"""
        { "listen": ["127.0.0.1:0"], "admin": null,
          "limits": { "maxRequestHeaders": 8, "maxRequestHeaderBytes": 400, "underscoreHeaders": "reject", "encodedSlashes": "keep" },
          \#(routes) }
        """#),
]

private final class Gateway {
    let store: RouteTableStore
    let telemetry = RequestTelemetry(metrics: GatewayMetrics(), accessLog: nil)
    let upstream = RecordingUpstream()

    init(_ config: String) {
        var result = ConfigLoader.parse(data: Array(config.utf8))
        guard let snapshot = GatewaySnapshot.resolve(&result, configDirectory: "/") else {
            fatalError("fuzz configuration refused: \(result.allErrors)")
        }
        self.store = RouteTableStore(snapshot)
    }

    /// A connection with the server's pipeline; `handedOff` first moves it to the general path
    /// with a request no route matches (answered 404 at the edge).
    func connection(handedOff: Bool) -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try! GatewayServer.addConnectionHandlers(to: channel, store: self.store, engine: self.upstream, telemetry: self.telemetry)
        if handedOff {
            let answer = Self.exchange(channel, Array("GET /nowhere HTTP/1.1\r\nHost: nowhere.test\r\n\r\n".utf8))
            precondition(answer.starts(with: "HTTP/1.1 404".utf8), "the hand-off request got \(String(decoding: answer, as: UTF8.self))")
        }
        return channel
    }

    static func exchange(_ channel: EmbeddedChannel, _ bytes: [UInt8]) -> [UInt8] {
        _ = try? channel.writeInbound(ByteBuffer(bytes: bytes))
        var written: [UInt8] = []
        while let buffer = try? channel.readOutbound(as: ByteBuffer.self) { written += buffer.readableBytesView }
        return written
    }

    func checkSameAnswer(_ bytes: [UInt8]) {
        var fields: [PlainRequestHead.Field] = []
        let limits = self.store.current.limits
        guard let request = bytes.withUnsafeBytes({ PlainPreflight($0, fields: &fields, limits: limits) }) else { return }
        let head = Array(bytes[..<request.headLength])
        checkSameParse(head, fields)

        let fresh = self.connection(handedOff: false)
        defer { _ = try? fresh.finish() }
        let fast = Self.exchange(fresh, head)
        let lane = try! fresh.pipeline.syncOperations.handler(type: PreflightFastLane.self)
        guard !lane.handedOff else { return }  // not a preflight the lane answers

        let moved = self.connection(handedOff: true)
        defer { _ = try? moved.finish() }
        let transfersBefore = self.upstream.started.count
        let general = Self.exchange(moved, head)
        let context = "\(String(reflecting: String(decoding: head, as: UTF8.self))) under \(limits)"
        property(self.upstream.started.count == transfersBefore, "the lane answers \(context), the general path proxies it")
        let fastText = String(decoding: fast, as: UTF8.self)
        let generalText = String(decoding: general, as: UTF8.self)
        property(withoutRequestId(fastText) == withoutRequestId(generalText),
                 "\(context):\nfast lane:\n\(fastText)\ngeneral path:\n\(generalText)")
        if let id = request.requestId, RequestID.isAcceptable(id) {
            property(fastText.contains("X-Request-Id: \(id)\r\n") && generalText.contains("X-Request-Id: \(id)\r\n"),
                     "\(context): the client's request id is not echoed")
        }
    }
}

/// The response with its X-Request-Id value blanked.
private func withoutRequestId(_ response: String) -> String {
    response.split(separator: "\r\n", omittingEmptySubsequences: false).map { line in
        line.lowercased().hasPrefix("x-request-id:") ? "X-Request-Id: *" : String(line)
    }.joined(separator: "\r\n")
}
