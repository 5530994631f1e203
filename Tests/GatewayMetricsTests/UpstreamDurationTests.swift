import GatewayMetrics
import Testing

/// `cors_gateway_upstream_duration_seconds`: the SPEC's buckets, in seconds, `le` inclusive.
@Suite struct UpstreamDurationTests {
    static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, .infinity]

    @Test func durationsLandInTheirBuckets() throws {
        let metrics = GatewayMetrics()
        // On a bound (inclusive), just above one, inside one, and beyond the last.
        for seconds in [0.001, 0.003, 0.2, 45] {
            metrics.recordUpstreamDuration(route: "api", seconds: seconds)
        }
        let histogram = try #require(try scrape(metrics).histogram("cors_gateway_upstream_duration_seconds", ["route": "api"]))
        #expect(histogram.buckets.map(\.upperBound) == Self.bounds)
        //                                       0.001 .0025 .005 .01 .025 .05  .1  .25  .5   1  2.5   5  10  30  +Inf
        #expect(histogram.buckets.map(\.count) == [1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4])
        #expect(histogram.count == 4)
        // The registry sums whole nanoseconds, so the sum is exact.
        #expect(histogram.sum == 45.204)
    }

    @Test func routesHaveSeparateSeries() throws {
        let metrics = GatewayMetrics()
        metrics.recordUpstreamDuration(route: "api", seconds: 0.02)
        metrics.recordUpstreamDuration(route: "web", seconds: 3)
        let exposition = try scrape(metrics)
        let api = try #require(exposition.histogram("cors_gateway_upstream_duration_seconds", ["route": "api"]))
        let web = try #require(exposition.histogram("cors_gateway_upstream_duration_seconds", ["route": "web"]))
        #expect(api.buckets.map(\.count) == [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
        #expect(web.buckets.map(\.count) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
        #expect(api.sum == 0.02)
        #expect(web.sum == 3)
    }

    /// 1.001 * 1e9 is 1000999999.9999999 in binary floating point; truncating would lose a nanosecond.
    @Test func secondsRoundToWholeNanoseconds() throws {
        let metrics = GatewayMetrics()
        metrics.recordUpstreamDuration(route: "api", seconds: 1.001)
        let histogram = try #require(try scrape(metrics).histogram("cors_gateway_upstream_duration_seconds", ["route": "api"]))
        #expect(histogram.sum == 1.001)
    }

    /// Negative durations (a clock stepping back) count as 0; NaN is not recorded.
    @Test func negativeCountsAsZeroAndNaNIsIgnored() throws {
        let metrics = GatewayMetrics()
        metrics.recordUpstreamDuration(route: "api", seconds: -0.5)
        metrics.recordUpstreamDuration(route: "api", seconds: .nan)
        let histogram = try #require(try scrape(metrics).histogram("cors_gateway_upstream_duration_seconds", ["route": "api"]))
        #expect(histogram.buckets.map(\.count) == Array(repeating: 1, count: Self.bounds.count))
        #expect(histogram.count == 1)
        #expect(histogram.sum == 0)
    }
}
