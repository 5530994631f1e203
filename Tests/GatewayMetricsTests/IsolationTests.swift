import GatewayTestSupport
import GatewayMetrics
import Testing

/// Each instance owns its registry: nothing recorded on one shows on another.
@Suite struct IsolationTests {
    @Test func twoInstancesShareNoState() throws {
        let first = GatewayMetrics()
        let second = GatewayMetrics()
        first.recordRequest(route: "api", method: "GET", status: 200)
        first.recordReload(result: .applied)
        first.setConfigGeneration(4)
        first.recordUpstreamDuration(route: "api", seconds: 0.1)

        #expect(try scrape(second).samples == scrape(GatewayMetrics()).samples)
        #expect(try scrape(first).value(.init("cors_gateway_reloads_total", ["result": "applied"])) == 1)

        second.recordRequest(route: "api", method: "GET", status: 200)
        let series = Exposition.Series("cors_gateway_requests_total", ["route": "api", "method": "GET", "status": "200"])
        #expect(try scrape(first).value(series) == 1)
        #expect(try scrape(second).value(series) == 1)
    }
}
