import GatewayConfig
import Synchronization

/// What a request is served with: the limits and routes in force when its head arrived.
public struct GatewaySnapshot: Sendable {
    public let limits: Limits
    public let routes: RouteTable

    public init(limits: Limits, routes: RouteTable) {
        self.limits = limits
        self.routes = routes
    }
}

/// The current snapshot. Each request reads it once, at head time, and keeps what it read,
/// so replacing the snapshot never disturbs an exchange in flight.
public final class RouteTableStore: Sendable {
    private let storage: Mutex<GatewaySnapshot>

    public init(_ snapshot: GatewaySnapshot) {
        self.storage = Mutex(snapshot)
    }

    public var current: GatewaySnapshot {
        self.storage.withLock { $0 }
    }

    public func replace(with snapshot: GatewaySnapshot) {
        self.storage.withLock { $0 = snapshot }
    }
}
