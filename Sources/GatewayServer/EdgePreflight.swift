import CORSPolicy
import GatewayConfig

/// The one decision on a CORS preflight that matched a route (SPEC §4): what the route's
/// policy says, what is recorded, and whether the gateway answers it itself. The preflight
/// fast lane and `ProxyHandler` both decide through here, so they cannot drift apart.
struct EdgePreflight {
    let cors: ExchangeCORS
    let decision: CORSPolicy.PreflightDecision

    /// nil when the route has no CORS policy in force (`mode: off`): the preflight is proxied
    /// like any request. `requestHeaders` needs only Origin and the Access-Control-Request-* lines.
    init?(route: CompiledRoute, requestHeaders: HeaderLines) {
        guard let cors = ExchangeCORS(policy: route.cors, requestHeaders: requestHeaders, isPreflight: true) else { return nil }
        self.cors = cors
        self.decision = cors.preflightDecision()
    }

    /// Every rejected preflight and, in `answer` mode, every allowed one; never in report-only mode.
    var answersAtEdge: Bool { self.cors.answersAtEdge(self.decision) }

    /// What the access log and metrics record.
    var outcome: CORSOutcome { self.cors.outcome(preflight: self.decision) }

    /// The answer the gateway writes, ending with the request id.
    func answer(requestId: String) -> LocalAnswer {
        LocalAnswer(status: self.decision.status, headers: self.decision.headers, body: nil, requestId: requestId)
    }
}
