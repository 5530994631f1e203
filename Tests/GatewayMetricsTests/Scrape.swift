import GatewayTestSupport
import GatewayMetrics
import Testing

/// Scrapes with both sampled gauges at 0 and parses strictly, so every test checks the format too.
func scrape(_ metrics: GatewayMetrics, openConnections: Int = 0, transfersInFlight: Int = 0) throws -> Exposition {
    try Exposition(parsing: metrics.exposition(openConnections: openConnections, transfersInFlight: transfersInFlight))
}

/// Every sample whose value differs between two scrapes, with its change; a new series counts from 0.
/// A series that disappears is recorded as an issue, since no series may ever vanish.
func changes(from before: Exposition, to after: Exposition) -> [Exposition.Series: Double] {
    for series in before.samples.keys where after.samples[series] == nil {
        Issue.record("series \(series) disappeared")
    }
    var changes: [Exposition.Series: Double] = [:]
    for (series, value) in after.samples where value != before.samples[series] ?? 0 {
        changes[series] = value - (before.samples[series] ?? 0)
    }
    return changes
}
