import Synchronization
import VisibleLock

/// What a preflight's decision depends on: the one Origin, the one Access-Control-Request-Method,
/// the Access-Control-Request-Headers lines as sent, and whether private network access was asked.
struct PreflightKey: Hashable, Sendable {
    var origin: String
    var method: String
    var requestHeaderLines: [String]
    var privateNetworkAsked: Bool
}

/// The decisions one route's policy has made, so a browser's repeated preflights (same origin,
/// method and headers) skip the origin parse, the list parsing and building the answer's lines:
/// 1.3 µs per allowed and 2.3 µs per rejected preflight before, measured with MicroBenchmarks.
///
/// Bounded: at `capacity` entries it starts over, so a client sending endless distinct origins
/// costs a bounded amount of memory and at worst the uncached time. A policy is compiled per
/// configuration generation, so a reload starts with an empty cache and nothing is invalidated.
final class PreflightDecisionCache: Sendable {
    static let capacity = 1024

    private let decisions = Mutex<[PreflightKey: CORSPolicy.PreflightDecision]>([:])

    func decision(for key: PreflightKey) -> CORSPolicy.PreflightDecision? {
        self.decisions.withVisibleLock(at: lockAddress(of: self)) { $0[key] }
    }

    func store(_ decision: CORSPolicy.PreflightDecision, for key: PreflightKey) {
        self.decisions.withVisibleLock(at: lockAddress(of: self)) { decisions in
            if decisions.count >= Self.capacity { decisions.removeAll(keepingCapacity: true) }
            decisions[key] = decision
        }
    }

    var count: Int {
        self.decisions.withVisibleLock(at: lockAddress(of: self)) { $0.count }
    }
}
