import NIOCore
import NIOSSL
import NIOTLS

/// Bounds and counts a TLS connection's handshake (SPEC §12): one that has not completed
/// within the head timeout is closed, as a plain connection that sends no head would be, and
/// one that fails is counted (`cors_gateway_tls_handshake_failures_total`). Sits after the
/// TLS handler from the start; leaves the pipeline once the handshake is done.
final class TLSHandshakeWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let timeout: TimeAmount
    private let failed: @Sendable () -> Void
    private var deadline: Scheduled<Void>?
    private var done = false

    init(timeout: TimeAmount, failed: @escaping @Sendable () -> Void) {
        self.timeout = timeout
        self.failed = failed
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.deadline = context.eventLoop.assumeIsolated().scheduleTask(in: self.timeout) {
            self.fail(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.deadline?.cancel()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            self.done = true
            self.deadline?.cancel()
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.fail(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A client that hangs up mid-handshake failed it too (a scanner, a refused certificate).
        if !self.done { self.failed() }
        self.done = true
        context.fireChannelInactive()
    }

    private func fail(context: ChannelHandlerContext) {
        guard !self.done else { return }
        self.done = true
        self.failed()
        context.close(promise: nil)
    }
}
