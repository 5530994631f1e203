/// The `mode` label of preflight and rejection series: whether the route's CORS decisions
/// change the wire or are only recorded.
public enum CORSDecisionMode: String, Sendable {
    case enforce
    case reportOnly = "report-only"
}

/// The `result` label of `cors_gateway_reloads_total`: how a reload of gateway.json ended.
public enum ReloadResultLabel: String, Sendable, CaseIterable {
    case applied, partial, unchanged, rejected
}

/// The `method` label value. The method is chosen by the client, so anything outside the
/// standard methods becomes `OTHER`, which bounds the label's cardinality. Methods are
/// case-sensitive (RFC 9110 §9.1): `get` is not `GET`.
func methodLabel(_ method: String) -> String {
    switch method {
    case "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH":
        method
    default:
        "OTHER"
    }
}
