import CORSPolicy
import NIOHTTP1

/// The CORS side of one exchange: the route's policy and the request it judges.
struct ExchangeCORS {
    let policy: CORSPolicy
    let requestHeaders: HeaderLines
    let isPreflight: Bool

    /// nil when the route has no CORS (or `mode: off`): the exchange is proxied untouched, and
    /// the request's header lines are never copied.
    init?(policy: CORSPolicy?, head: HTTPRequestHead, isPreflight: Bool) {
        guard let policy, policy.config.mode != .off else { return nil }
        self.init(policy: policy, requestHeaders: head.headerLines, isPreflight: isPreflight)
    }

    /// `requestHeaders` needs only the lines the policy reads: the preflight fast lane passes
    /// Origin and the Access-Control-Request-* lines.
    init?(policy: CORSPolicy?, requestHeaders: HeaderLines, isPreflight: Bool) {
        guard let policy, policy.config.mode != .off else { return nil }
        self.policy = policy
        self.requestHeaders = requestHeaders
        self.isPreflight = isPreflight
    }

    /// `report-only` records decisions but changes nothing on the wire.
    var enforced: Bool { self.policy.config.mode == .enforce }

    /// The preflight's decision, whatever the mode (report-only records it too).
    func preflightDecision() -> CORSPolicy.PreflightDecision {
        self.policy.preflight(requestHeaders: self.requestHeaders)
    }

    /// Whether the gateway answers this preflight itself: every rejected one, and all of them
    /// in `answer` mode; never in report-only mode.
    func answersAtEdge(_ decision: CORSPolicy.PreflightDecision) -> Bool {
        self.enforced && (decision.rejection != nil || self.policy.config.preflight == .answer)
    }

    /// What the access log and metrics record for this exchange, given its preflight decision
    /// (nil for an actual request).
    func outcome(preflight decision: CORSPolicy.PreflightDecision?) -> CORSOutcome {
        if let decision {
            return .preflight(rejection: decision.rejection, enforced: self.enforced)
        }
        let origins = self.requestHeaders.lazy.filter { nameEquals($0.name, "origin") }
        var iterator = origins.makeIterator()
        guard let first = iterator.next() else { return .actual(.absent, enforced: self.enforced) }
        let allowed = iterator.next() == nil && self.policy.originAllowed(first.value)
        return .actual(allowed ? .allowed : .disallowed, enforced: self.enforced)
    }

    /// The header lines a response of this exchange leaves with, the backend's or the gateway's own.
    func apply(to headers: HeaderLines) -> HeaderLines {
        guard self.enforced else { return headers }
        if self.isPreflight {
            return self.policy.forwardedPreflightResponseHeaders(requestHeaders: self.requestHeaders, responseHeaders: headers)
        }
        return self.policy.actualResponseHeaders(requestHeaders: self.requestHeaders, responseHeaders: headers)
    }
}

extension HTTPRequestHead {
    var headerLines: HeaderLines {
        // Labelled, so the array is built as HeaderLines and never cast element by element.
        self.headers.map { (name: $0.name, value: $0.value) }
    }
}
