import NIOCore
import Synchronization
import VisibleLock

/// Tracks open client connections and closes, at once, every connection beyond the limit
/// (SPEC §3 `limits.maxConnections`). Sits on the server channel, where accepted children
/// arrive as inbound messages; shutdown reaches every open connection through it.
final class ConnectionLimiter: ChannelInboundHandler, Sendable {
    typealias InboundIn = Channel
    typealias InboundOut = Channel

    /// Read at each accept: a reload may change the limit (connections already open stay).
    private let store: RouteTableStore
    let open = Atomic<Int>(0)
    private let channels = Mutex<[ObjectIdentifier: Channel]>([:])

    init(store: RouteTableStore) {
        self.store = store
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = self.unwrapInboundIn(data)
        let count = self.open.add(1, ordering: .relaxed).newValue
        let key = ObjectIdentifier(child)
        self.channels.withVisibleLock(at: lockAddress(of: self)) { $0[key] = child }
        child.closeFuture.whenComplete { _ in
            self.channels.withVisibleLock(at: lockAddress(of: self)) { $0[key] = nil }
            self.open.subtract(1, ordering: .relaxed)
        }
        if count > self.store.current.limits.maxConnections {
            child.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
    }

    /// Every client connection still open.
    var openChannels: [Channel] {
        self.channels.withVisibleLock(at: lockAddress(of: self)) { Array($0.values) }
    }
}
