import Glibc
import NIOCore

/// On a listener's server channel: when accept(2) fails for want of descriptors or memory
/// (EMFILE, ENFILE, ENOBUFS, ENOMEM) while clients wait in the listen queue, stops accepting for
/// `pause`, then tries again. Without it the event loop spins: the listener stays registered for
/// readability and epoll wakes it at once, again and again, on the thread that also serves the
/// open connections. NIO's `AcceptBackoffHandler` does not stop that loop: it delays the next
/// `read`, but after a wakeup whose first accept fails the channel's read is still pending, so
/// no new `read` comes and the listener stays registered. Turning `autoRead` off unregisters it.
final class AcceptPause: ChannelInboundHandler {
    typealias InboundIn = Channel
    typealias InboundOut = Channel

    private let pause: TimeAmount
    private var resumption: Scheduled<Void>?

    init(pause: TimeAmount = .seconds(1)) {
        self.pause = pause
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let error = error as? IOError, [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errnoCode) else {
            context.fireErrorCaught(error)
            return
        }
        guard self.resumption == nil else { return }
        let channel = context.channel
        channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        self.resumption = context.eventLoop.assumeIsolated().scheduleTask(in: self.pause) {
            self.resumption = nil
            channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.resumption?.cancel()
        self.resumption = nil
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension AcceptPause: Sendable {}
