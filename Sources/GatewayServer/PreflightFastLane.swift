#if canImport(Glibc)
import Glibc
#endif
import CORSPolicy
import GatewayConfig
import GatewayPolicy
import NIOCore

/// Answers CORS preflights at the edge straight from the received bytes, in front of NIO's
/// HTTP decoder: a preflight spent 14% of its CPU in the decoder (llhttp, `HTTPRequestHead`,
/// a `String` per header line) and as much again in the exchange machinery it never uses.
///
/// It answers only what `ProxyHandler` would answer at the edge, byte for byte the same way
/// (`ResponseWire`, one access record, the head timer told): a complete `PlainRequestHead`
/// with method OPTIONS, an Origin and an Access-Control-Request-Method, exactly one valid Host,
/// no body framing, `Expect` or `Upgrade`, no `Connection` other than `keep-alive`, within the
/// header limits, whose normalised path matches a route whose enforced policy answers this
/// preflight itself.
///
/// The first bytes it does not answer that way (a partial head, any other request, a drain)
/// go to the decoder, and so does everything after: the connection stays on the general path
/// for good, so the decoder always starts at a request boundary and responses stay in order.
/// A browser sends preflights without credentials, on connections of their own, so the
/// connections that carry them usually carry nothing else.
final class PreflightFastLane: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let store: RouteTableStore
    private let telemetry: RequestTelemetry
    private let headTimer: RequestHeadTimer
    /// Once set, every byte goes to the decoder.
    private(set) var handedOff = false
    /// The parser's field spans, reused for every head on this connection.
    private var fields: [PlainRequestHead.Field] = []
    /// The last preflight answered on this connection.
    private var lastAnswer: EdgePreflightAnswer?

    init(store: RouteTableStore, telemetry: RequestTelemetry, headTimer: RequestHeadTimer) {
        self.store = store
        self.telemetry = telemetry
        self.headTimer = headTimer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.handedOff else {
            context.fireChannelRead(data)
            return
        }
        var buffer = self.unwrapInboundIn(data)
        var answered = false
        while buffer.readableBytes > 0, let length = self.answerPreflight(at: buffer, context: context) {
            buffer.moveReaderIndex(forwardBy: length)
            answered = true
        }
        if answered { context.flush() }
        if buffer.readableBytes > 0 {
            self.handedOff = true
            if answered { self.headTimer.headBytesArrived() }  // the rest starts a new head
            context.fireChannelRead(self.wrapInboundOut(buffer))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Until the hand-over nothing behind the lane has seen a byte, so nothing there has a
        // read to complete: passing the event on cost three handler hops per preflight.
        if self.handedOff { context.fireChannelReadComplete() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Shutting down: ProxyHandler decides what a draining connection still answers.
        if event is DrainEvent { self.handedOff = true }
        context.fireUserInboundEventTriggered(event)
    }

    /// Answers the request at the start of `buffer` if it is a preflight this lane takes;
    /// returns the length of its head, or nil (nothing written, nothing recorded).
    private func answerPreflight(at buffer: ByteBuffer, context: ChannelHandlerContext) -> Int? {
        let configVersion = self.store.version
        let answer: EdgePreflightAnswer
        if let last = self.lastAnswer, last.configVersion == configVersion, last.isRepeated(by: buffer) {
            answer = last
        } else {
            guard let decided = self.decide(buffer, configVersion: configVersion) else { return nil }
            answer = decided
            self.lastAnswer = decided
        }
        self.headTimer.headReceived()
        let started = NIODeadline.now()
        let requestId = answer.clientRequestId ?? RequestID.generate()
        var response = context.channel.allocator.buffer(capacity: answer.statusAndLines.readableBytes + 96)
        response.writeImmutableBuffer(answer.statusAndLines)
        ResponseWire.writeEnd(
            closing: ResponseWire.ClosingLines(requestId: requestId, contentLength: 0, close: false), into: &response)
        context.write(self.wrapOutboundOut(response), promise: nil)
        answer.decision.record(started: started, requestId: requestId, path: answer.path, protocolName: "HTTP/1.1", in: self.telemetry)
        self.headTimer.exchangeFinished()
        return answer.head.count
    }

    /// What `ProxyHandler` would answer at the edge for the head at the start of `buffer`;
    /// nil when it would not answer it there, or when the head is not a plain preflight.
    private func decide(_ buffer: ByteBuffer, configVersion: Int) -> EdgePreflightAnswer? {
        let snapshot = self.store.current
        return buffer.withUnsafeReadableBytes { bytes -> EdgePreflightAnswer? in
            guard let request = PlainPreflight(bytes, fields: &self.fields, limits: snapshot.limits),
                let decision = LanePreflightDecision(
                    snapshot: snapshot, host: request.host, routedPath: request.routedPath,
                    requestedMethod: request.requestedMethod, corsLines: request.corsLines, telemetry: self.telemetry)
            else { return nil }
            var statusAndLines = ByteBuffer()
            _ = ResponseWire.writeStatusAndLines(status: decision.status, version: .http1_1, lines: decision.lines, into: &statusAndLines)
            return EdgePreflightAnswer(
                head: Array(UnsafeRawBufferPointer(rebasing: bytes[..<request.headLength])),
                configVersion: configVersion,
                statusAndLines: statusAndLines,
                clientRequestId: request.requestId.flatMap { RequestID.isAcceptable($0) ? $0 : nil },
                path: request.path,
                decision: decision
            )
        }
    }
}

/// A preflight answer at the edge, kept with the head it answers: a connection that repeats
/// its last preflight byte for byte (a page's repeated fetches do; nothing in a preflight
/// changes between them) gets the same answer without the head being parsed, routed, decided
/// or encoded again, for as long as the configuration is unchanged.
final class EdgePreflightAnswer {
    /// The request head, final CRLF included.
    let head: [UInt8]
    /// `RouteTableStore.version` when it was decided.
    let configVersion: Int
    /// The answer's status line and CORS lines; the request id and Content-Length follow.
    let statusAndLines: ByteBuffer
    /// The client's acceptable X-Request-Id; nil: each answer gets a new id.
    let clientRequestId: String?
    let path: String
    let decision: LanePreflightDecision

    init(
        head: [UInt8], configVersion: Int, statusAndLines: ByteBuffer, clientRequestId: String?, path: String,
        decision: LanePreflightDecision
    ) {
        self.head = head
        self.configVersion = configVersion
        self.statusAndLines = statusAndLines
        self.clientRequestId = clientRequestId
        self.path = path
        self.decision = decision
    }

    /// Whether `buffer` starts with this answer's head. A head ends at its first empty line,
    /// so the bytes after it belong to the next request.
    func isRepeated(by buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { bytes in
            bytes.count >= self.head.count
                && self.head.withUnsafeBytes { head in memcmp(head.baseAddress!, bytes.baseAddress!, head.count) == 0 }
        }
    }
}
