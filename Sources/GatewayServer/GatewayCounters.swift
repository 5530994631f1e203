import Synchronization

/// Counts kept for the metrics endpoint (SPEC §8): header lines stripped per backend, and
/// Set-Cookie lines rewritten or dropped per route.
public final class GatewayCounters: Sendable {
    private struct Counts {
        var headersStripped: [String: Int] = [:]
        var cookiesRewritten: [String: Int] = [:]
        var cookiesDropped: [String: Int] = [:]
    }

    private let counts = Mutex(Counts())

    public init() {}

    func add(headersStripped count: Int, backend: String) {
        guard count > 0 else { return }
        self.counts.withLock { $0.headersStripped[backend, default: 0] += count }
    }

    func add(cookiesRewritten rewritten: Int, dropped: Int, route: String) {
        guard rewritten > 0 || dropped > 0 else { return }
        self.counts.withLock { counts in
            if rewritten > 0 { counts.cookiesRewritten[route, default: 0] += rewritten }
            if dropped > 0 { counts.cookiesDropped[route, default: 0] += dropped }
        }
    }

    public func headersStripped(backend: String) -> Int {
        self.counts.withLock { $0.headersStripped[backend] ?? 0 }
    }

    public func cookiesRewritten(route: String) -> Int {
        self.counts.withLock { $0.cookiesRewritten[route] ?? 0 }
    }

    public func cookiesDropped(route: String) -> Int {
        self.counts.withLock { $0.cookiesDropped[route] ?? 0 }
    }
}
