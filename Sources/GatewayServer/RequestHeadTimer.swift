import NIOCore
import GatewayPolicy

/// Enforces the wait for a request head, below the HTTP decoder where raw bytes are visible.
///
/// A new connection must deliver a complete head within `headerTimeout`. Between keep-alive
/// requests the connection may sit idle for `idleTimeout`; once the first byte of the next
/// request arrives, its head must complete within `headerTimeout`. On expiry a connection that
/// sent part of a head gets 408 `header_timeout`; one that sent nothing is just closed (SPEC §7).
///
/// Inbound only (it writes its 408 through its context): outbound writes, flushes and reads
/// pass it by instead of through a forwarding hop each.
final class RequestHeadTimer: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case waitingForHead(sawBytes: Bool)
        case inExchange
    }

    private let headerTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    /// A 408 is a request too: it gets its access-log line and is counted.
    private let telemetry: RequestTelemetry
    private var state = State.waitingForHead(sawBytes: false)
    private var headStarted = NIODeadline.now()
    /// When the current wait ends; cleared during an exchange.
    private var deadline: LazyDeadline?
    private var context: ChannelHandlerContext?

    init(headerTimeout: TimeAmount, idleTimeout: TimeAmount, telemetry: RequestTelemetry) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.telemetry = telemetry
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.deadline = LazyDeadline(eventLoop: context.eventLoop) { self.expired() }
        if context.channel.isActive { self.arm(self.headerTimeout) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.deadline?.stop()
        self.deadline = nil  // its callback holds this handler
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        self.arm(self.headerTimeout)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.deadline?.stop()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.headBytesArrived()
        context.fireChannelRead(data)
    }

    /// Bytes of a request head arrived: the idle wait is over and the head clock starts. The
    /// preflight fast lane calls this too, for the bytes it hands on after answering a preflight
    /// from the same read.
    func headBytesArrived() {
        if case .waitingForHead(sawBytes: false) = self.state {
            self.state = .waitingForHead(sawBytes: true)
            self.headStarted = .now()
            self.arm(self.headerTimeout)
        }
    }

    /// Part of a request head has arrived: a draining connection waits for the rest.
    var sawPartialHead: Bool {
        if case .waitingForHead(sawBytes: true) = self.state { return true }
        return false
    }

    /// The proxy handler got a complete head.
    func headReceived() {
        self.deadline?.clear()
        self.state = .inExchange
    }

    /// The exchange is over and the connection stays open for the next request.
    func exchangeFinished() {
        self.state = .waitingForHead(sawBytes: false)
        self.arm(self.idleTimeout)
    }

    private func arm(_ timeout: TimeAmount) {
        self.deadline?.set(after: timeout)
    }

    private func expired() {
        guard let context = self.context, case .waitingForHead(let sawBytes) = self.state else { return }
        if sawBytes {
            // Below the HTTP encoder: the response goes out as bytes.
            let requestId = RequestID.generate()
            let answer = LocalAnswer.error(.headerTimeout, requestId: requestId)
            var record = RequestRecord(started: self.headStarted, requestId: requestId, method: "-", path: "-")
            record.status = answer.status
            record.responseBodyBytes = answer.body?.readableBytes ?? 0
            self.telemetry.record(record)
            let response = answer.serialized()
            context.writeAndFlush(self.wrapOutboundOut(response)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        } else {
            context.close(promise: nil)
        }
    }
}
