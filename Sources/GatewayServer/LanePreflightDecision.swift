import CORSPolicy
import GatewayConfig
import GatewayMetrics
import NIOCore

/// What a preflight lane (HTTP/1.1's `PreflightFastLane`, HTTP/2's `HTTP2PreflightLane`)
/// keeps of a preflight it answers at the edge: the decision `ProxyHandler` would make, and
/// the route, outcome and metric series every answer from it is recorded in.
struct LanePreflightDecision {
    let route: String
    let cors: CORSOutcome
    let status: Int
    /// The answer's CORS lines; the request id and Content-Length follow.
    let lines: HeaderLines
    /// The metric series each answer counts in.
    let counters: GatewayMetrics.PreflightCounters

    /// nil when `ProxyHandler` would not answer this preflight at the edge.
    init?(
        snapshot: GatewaySnapshot, host: String, routedPath: String, requestedMethod: String, corsLines: HeaderLines,
        telemetry: RequestTelemetry
    ) {
        guard let route = snapshot.routes.match(host: host, path: routedPath, method: requestedMethod),
            let preflight = EdgePreflight(route: route, requestHeaders: corsLines), preflight.answersAtEdge,
            let counters = telemetry.preflightCounters(route: route.name, status: preflight.decision.status, cors: preflight.outcome)
        else { return nil }
        self.route = route.name
        self.cors = preflight.outcome
        self.status = preflight.decision.status
        self.lines = preflight.decision.headers
        self.counters = counters
    }

    /// Counts one answer, and logs it when there is an access log.
    func record(started: NIODeadline, requestId: String, path: String, protocolName: String, in telemetry: RequestTelemetry) {
        telemetry.record({
            var record = RequestRecord(started: started, requestId: requestId, method: "OPTIONS", path: path)
            record.protocolName = protocolName
            record.route = self.route
            record.cors = self.cors
            record.status = self.status
            return record
        }, counters: self.counters)
    }
}
