import NIOCore
import Synchronization

/// Counts open client connections and closes, at once, every connection beyond the limit
/// (SPEC §3 `limits.maxConnections`). Sits on the server channel, where accepted children
/// arrive as inbound messages.
final class ConnectionLimiter: ChannelInboundHandler, Sendable {
    typealias InboundIn = Channel
    typealias InboundOut = Channel

    private let limit: Int
    let open = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = self.unwrapInboundIn(data)
        let count = self.open.add(1, ordering: .relaxed).newValue
        child.closeFuture.whenComplete { _ in
            self.open.subtract(1, ordering: .relaxed)
        }
        if count > self.limit {
            child.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
    }
}
