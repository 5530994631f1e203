import GatewayTestSupport
import GatewayMetrics
import Testing

/// Recording from many threads at once loses nothing, including while series are being created.
@Suite struct ConcurrencyTests {
    @Test func concurrentRecordingGivesExactTotals() async throws {
        let metrics = GatewayMetrics()
        let tasks = 4
        let iterations = 10_000
        await withTaskGroup { group in
            for task in 0..<tasks {
                group.addTask {
                    for i in 0..<iterations {
                        metrics.recordRequest(route: "shared", method: "GET", status: 200)
                        // A new series now and then, so lookups race with creations.
                        metrics.recordRequest(route: "r\(i % 100)", method: "POST", status: 201)
                        metrics.recordHeadersStripped(backend: "b\(task)", count: 2)
                        if i % 10 == 0 {
                            metrics.recordUpstreamDuration(route: "shared", seconds: 0.002)
                        }
                    }
                }
            }
        }
        let exposition = try scrape(metrics)
        let total = Double(tasks * iterations)
        #expect(exposition.value(.init("cors_gateway_requests_total", ["route": "shared", "method": "GET", "status": "200"])) == total)
        for route in 0..<100 {
            let series = Exposition.Series("cors_gateway_requests_total", ["route": "r\(route)", "method": "POST", "status": "201"])
            #expect(exposition.value(series) == total / 100)
        }
        for task in 0..<tasks {
            #expect(exposition.value(.init("cors_gateway_headers_stripped_total", ["backend": "b\(task)"])) == Double(2 * iterations))
        }
        let histogram = try #require(exposition.histogram("cors_gateway_upstream_duration_seconds", ["route": "shared"]))
        #expect(histogram.count == total / 10)
        #expect(histogram.sum == 8)
    }
}
