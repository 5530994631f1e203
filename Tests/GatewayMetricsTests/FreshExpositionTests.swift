import GatewayTestSupport
import GatewayMetrics
import Testing

/// What a scraper sees before the gateway has served anything.
@Suite struct FreshExpositionTests {
    @Test func alwaysPresentFamiliesStartAtZero() throws {
        let exposition = try scrape(GatewayMetrics())
        #expect(
            exposition.samples == [
                .init("cors_gateway_reloads_total", ["result": "applied"]): 0,
                .init("cors_gateway_reloads_total", ["result": "partial"]): 0,
                .init("cors_gateway_reloads_total", ["result": "unchanged"]): 0,
                .init("cors_gateway_reloads_total", ["result": "rejected"]): 0,
                .init("cors_gateway_config_generation"): 0,
                .init("cors_gateway_open_connections"): 0,
                .init("cors_gateway_upstream_transfers_in_flight"): 0,
                .init("cors_gateway_log_lines_dropped_total"): 0,
            ])
        #expect(exposition.families["cors_gateway_log_lines_dropped_total"]?.type == .counter)
        #expect(exposition.families["cors_gateway_reloads_total"]?.type == .counter)
        #expect(exposition.families["cors_gateway_config_generation"]?.type == .gauge)
        #expect(exposition.families["cors_gateway_open_connections"]?.type == .gauge)
        #expect(exposition.families["cors_gateway_upstream_transfers_in_flight"]?.type == .gauge)
    }

    @Test func sampledGaugesShowTheValuesOfEachScrape() throws {
        let metrics = GatewayMetrics()
        let busy = try scrape(metrics, openConnections: 12, transfersInFlight: 5)
        #expect(busy.value(.init("cors_gateway_open_connections")) == 12)
        #expect(busy.value(.init("cors_gateway_upstream_transfers_in_flight")) == 5)
        let idle = try scrape(metrics, openConnections: 1, transfersInFlight: 0)
        #expect(idle.value(.init("cors_gateway_open_connections")) == 1)
        #expect(idle.value(.init("cors_gateway_upstream_transfers_in_flight")) == 0)
    }

    /// The log writer keeps its own total; each scrape moves the counter up to it, never down.
    @Test func droppedLogLinesFollowTheWritersTotal() throws {
        let metrics = GatewayMetrics()
        let series = Exposition.Series("cors_gateway_log_lines_dropped_total")
        let values = try [3, 3, 10, 10].map { total in
            try Exposition(parsing: metrics.exposition(openConnections: 0, transfersInFlight: 0, logLinesDropped: total)).value(series)
        }
        #expect(values == [3, 3, 10, 10])
    }

    @Test func contentTypeIsTextFormatZeroZeroFour() {
        #expect(GatewayMetrics.contentType == "text/plain; version=0.0.4; charset=utf-8")
    }
}
