import GatewayTestSupport
import GatewayMetrics
import Testing

/// Each record method moves exactly its own series, by exactly its amount.
@Suite struct RecordingTests {
    let metrics = GatewayMetrics()

    /// Runs `record` between two scrapes and returns what changed.
    func changes(_ record: () -> Void) throws -> [Exposition.Series: Double] {
        let before = try scrape(metrics)
        record()
        return GatewayMetricsTests.changes(from: before, to: try scrape(metrics))
    }

    @Test func requestCountsPerRouteMethodAndStatus() throws {
        metrics.recordRequest(route: "api", method: "GET", status: 200)
        let series = Exposition.Series("cors_gateway_requests_total", ["route": "api", "method": "GET", "status": "200"])
        #expect(try scrape(metrics).value(series) == 1)

        let moved = try changes {
            metrics.recordRequest(route: "api", method: "GET", status: 200)
            metrics.recordRequest(route: "api", method: "POST", status: 502)
            metrics.recordRequest(route: "", method: "GET", status: 404)
        }
        #expect(
            moved == [
                series: 1,
                .init("cors_gateway_requests_total", ["route": "api", "method": "POST", "status": "502"]): 1,
                .init("cors_gateway_requests_total", ["route": "", "method": "GET", "status": "404"]): 1,
            ])
        #expect(try scrape(metrics).value(series) == 2)
    }

    /// The counters found once for a preflight move what the three record calls move.
    @Test(arguments: [(204, nil as String?, CORSDecisionMode.enforce), (403, "headers", .enforce), (403, "origin", .reportOnly)])
    func preflightCountersMoveWhatTheRecordCallsMove(status: Int, reason: String?, mode: CORSDecisionMode) throws {
        let counters = metrics.preflightCounters(route: "api", status: status, reason: reason, mode: mode)
        let byCounters = try changes {
            counters.increment()
            counters.increment()
        }
        let byRecordCalls = try changes {
            for _ in 0..<2 {
                metrics.recordRequest(route: "api", method: "OPTIONS", status: status)
                metrics.recordPreflight(route: "api", allowed: reason == nil, mode: mode)
                if let reason { metrics.recordCORSRejection(route: "api", reason: reason, mode: mode) }
            }
        }
        #expect(byCounters == byRecordCalls)
        #expect(byCounters.count == (reason == nil ? 2 : 3))
        #expect(byCounters.values.allSatisfy { $0 == 2 })
    }

    @Test(arguments: ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"])
    func standardMethodIsItsOwnLabel(method: String) throws {
        let moved = try changes { metrics.recordRequest(route: "api", method: method, status: 204) }
        #expect(moved == [.init("cors_gateway_requests_total", ["route": "api", "method": method, "status": "204"]): 1])
    }

    @Test func otherMethodsShareOneLabel() throws {
        let moved = try changes {
            for method in ["PROPFIND", "get", "BREW", "", "GET\n"] {
                metrics.recordRequest(route: "api", method: method, status: 405)
            }
        }
        #expect(moved == [.init("cors_gateway_requests_total", ["route": "api", "method": "OTHER", "status": "405"]): 5])
    }

    @Test func preflightCountsResultAndMode() throws {
        let moved = try changes {
            metrics.recordPreflight(route: "api", allowed: true, mode: .enforce)
            metrics.recordPreflight(route: "api", allowed: true, mode: .enforce)
            metrics.recordPreflight(route: "api", allowed: false, mode: .reportOnly)
        }
        #expect(
            moved == [
                .init("cors_gateway_preflights_total", ["route": "api", "result": "allowed", "mode": "enforce"]): 2,
                .init("cors_gateway_preflights_total", ["route": "api", "result": "rejected", "mode": "report-only"]): 1,
            ])
    }

    @Test func corsRejectionCountsReasonAndMode() throws {
        let moved = try changes {
            metrics.recordCORSRejection(route: "api", reason: "private-network", mode: .reportOnly)
            metrics.recordCORSRejection(route: "web", reason: "origin", mode: .enforce)
        }
        #expect(
            moved == [
                .init("cors_gateway_cors_rejections_total", ["route": "api", "reason": "private-network", "mode": "report-only"]): 1,
                .init("cors_gateway_cors_rejections_total", ["route": "web", "reason": "origin", "mode": "enforce"]): 1,
            ])
    }

    @Test(arguments: ReloadResultLabel.allCases)
    func reloadCountsItsResult(result: ReloadResultLabel) throws {
        let moved = try changes { metrics.recordReload(result: result) }
        #expect(moved == [.init("cors_gateway_reloads_total", ["result": result.rawValue]): 1])
    }

    @Test func configGenerationIsSetNotAdded() throws {
        metrics.setConfigGeneration(7)
        #expect(try scrape(metrics).value(.init("cors_gateway_config_generation")) == 7)
        metrics.setConfigGeneration(3)
        #expect(try scrape(metrics).value(.init("cors_gateway_config_generation")) == 3)
    }

    @Test func headersStrippedAddsTheCount() throws {
        let moved = try changes {
            metrics.recordHeadersStripped(backend: "modern", count: 3)
            metrics.recordHeadersStripped(backend: "modern", count: 2)
        }
        #expect(moved == [.init("cors_gateway_headers_stripped_total", ["backend": "modern"]): 5])
    }

    @Test func cookiesAddBothCounts() throws {
        let moved = try changes { metrics.recordCookies(route: "api", rewritten: 4, dropped: 1) }
        #expect(
            moved == [
                .init("cors_gateway_cookies_rewritten_total", ["route": "api"]): 4,
                .init("cors_gateway_cookies_dropped_total", ["route": "api"]): 1,
            ])
    }

    /// A zero (or negative) count creates no series, so the family does not appear at all.
    @Test func zeroCountsRecordNothing() throws {
        let moved = try changes {
            metrics.recordHeadersStripped(backend: "modern", count: 0)
            metrics.recordHeadersStripped(backend: "modern", count: -2)
            metrics.recordCookies(route: "api", rewritten: 0, dropped: 0)
            metrics.recordCookies(route: "api", rewritten: -1, dropped: -1)
        }
        #expect(moved.isEmpty)
        let exposition = try scrape(metrics)
        #expect(exposition.families["cors_gateway_headers_stripped_total"] == nil)
        #expect(exposition.families["cors_gateway_cookies_rewritten_total"] == nil)
        #expect(exposition.families["cors_gateway_cookies_dropped_total"] == nil)

        let onlyDropped = try changes { metrics.recordCookies(route: "api", rewritten: 0, dropped: 2) }
        #expect(onlyDropped == [.init("cors_gateway_cookies_dropped_total", ["route": "api"]): 2])
    }
}
