import GatewayConfig
import Synchronization
import VisibleLock

/// What a request is served with: the limits, routes and backend runtime versions in force
/// when its head arrived.
public struct GatewaySnapshot: Sendable {
    public let limits: Limits
    public let routes: RouteTable
    public let runtimes: BackendRuntimes
    /// The listeners as configured: TLS listeners take their certificates from here (SPEC §12).
    public let listen: [ListenEntry]

    public init(limits: Limits, routes: RouteTable, runtimes: BackendRuntimes, listen: [ListenEntry] = []) {
        self.limits = limits
        self.routes = routes
        self.runtimes = runtimes
        self.listen = listen
    }
}

/// The current snapshot. Each request reads it once, at head time, and keeps what it read,
/// so replacing the snapshot never disturbs an exchange in flight.
public final class RouteTableStore: Sendable {
    private let storage: Mutex<GatewaySnapshot>
    private let replacements = Atomic<Int>(0)

    public init(_ snapshot: GatewaySnapshot) {
        self.storage = Mutex(snapshot)
    }

    public var current: GatewaySnapshot {
        self.storage.withVisibleLock(at: lockAddress(of: self)) { $0 }
    }

    /// Changes with every `replace`: what was decided from one snapshot stays valid while it
    /// reads the same, and reading it takes no lock.
    var version: Int {
        self.replacements.load(ordering: .acquiring)
    }

    public func replace(with snapshot: GatewaySnapshot) {
        self.storage.withVisibleLock(at: lockAddress(of: self)) { $0 = snapshot }
        self.replacements.add(1, ordering: .releasing)
    }
}
