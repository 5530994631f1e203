/// The SPEC §8 metric families: their exposition names (used verbatim as swift-metrics labels,
/// since `PrometheusMetricsFactory` adds no suffix such as `_total`) and their HELP text.
enum MetricFamily: String, CaseIterable {
    case requests = "cors_gateway_requests_total"
    case preflights = "cors_gateway_preflights_total"
    case corsRejections = "cors_gateway_cors_rejections_total"
    case upstreamDuration = "cors_gateway_upstream_duration_seconds"
    case reloads = "cors_gateway_reloads_total"
    case configGeneration = "cors_gateway_config_generation"
    case headersStripped = "cors_gateway_headers_stripped_total"
    case cookiesRewritten = "cors_gateway_cookies_rewritten_total"
    case cookiesDropped = "cors_gateway_cookies_dropped_total"
    case openConnections = "cors_gateway_open_connections"
    case transfersInFlight = "cors_gateway_upstream_transfers_in_flight"
    case logLinesDropped = "cors_gateway_log_lines_dropped_total"
    case connections = "cors_gateway_connections_total"
    case tlsHandshakeFailures = "cors_gateway_tls_handshake_failures_total"
    case certificateExpiry = "cors_gateway_certificate_expiry_timestamp_seconds"
    case certificateReloads = "cors_gateway_certificate_reloads_total"

    /// Plain text without backslashes or line breaks, so it needs no escaping on a HELP line.
    var help: String {
        switch self {
        case .requests: "Requests answered, by route, method and status code."
        case .preflights: "CORS preflight requests, by route, decision and CORS mode."
        case .corsRejections: "CORS rejections, by route, failed check and CORS mode."
        case .upstreamDuration: "Duration of upstream transfers, by route, in seconds."
        case .reloads: "Configuration reloads, by result."
        case .configGeneration: "Generation of the configuration in effect."
        case .headersStripped: "Request header lines stripped before forwarding, by backend."
        case .cookiesRewritten: "Set-Cookie lines rewritten by the route's cookie policy."
        case .cookiesDropped: "Set-Cookie lines dropped by the route's cookie policy."
        case .openConnections: "Client connections currently open."
        case .transfersInFlight: "Upstream transfers currently in flight."
        case .logLinesDropped: "Log lines dropped because stdout did not take them in time, or failed."
        case .connections: "Client connections accepted, by listener, protocol and TLS."
        case .tlsHandshakeFailures: "TLS handshakes that failed, by listener."
        case .certificateExpiry: "When each served certificate expires, in seconds since 1970, by listener and subject."
        case .certificateReloads: "Certificate reloads of a TLS listener, by result: applied, or rejected with the previous pair kept."
        }
    }

    /// Upper bounds of the `cors_gateway_upstream_duration_seconds` buckets.
    static let upstreamDurationBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
    ]
}
