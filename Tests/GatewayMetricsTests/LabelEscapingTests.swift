import GatewayMetrics
import Testing

/// Label values reach the exposition escaped, so even a hostile value cannot break the format.
@Suite struct LabelEscapingTests {
    @Test func backslashQuoteAndLineFeedRoundTrip() throws {
        let metrics = GatewayMetrics()
        let route = "a\\b\"c\nd} 1\n# TYPE x counter"
        metrics.recordRequest(route: route, method: "GET", status: 200)
        let exposition = try scrape(metrics)
        #expect(exposition.value(.init("cors_gateway_requests_total", ["route": route, "method": "GET", "status": "200"])) == 1)
    }
}
