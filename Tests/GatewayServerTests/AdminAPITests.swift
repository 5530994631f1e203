import Foundation
import GatewayTestSupport
import Testing

/// SPEC §8 admin listener on the real executable.
@Suite(.serialized) struct AdminAPITests {
    static func config(backend: String) -> String {
        TestConfig.single(
            backendURL: backend,
            route: #""cors": { "allowOrigins": ["https://app.example.com"] }"#
        )
    }

    @Test func healthReadinessAndErrors() async throws {
        try await TestBackend.withStarted { backend in
            let file = try temporaryFile(Self.config(backend: backend.baseURL))
            let gateway = try GatewayProcess(configPath: file.path)
            let admin = try #require(gateway.adminPort)
            let health = try RawHTTPClient.request(port: admin, path: "/healthz")
            #expect(health.status == 200)
            #expect(health.header("content-type") == "application/json")
            #expect(try RawHTTPClient.request(port: admin, path: "/readyz").status == 200)
            #expect(try RawHTTPClient.request(port: admin, path: "/nope").status == 404)
            let wrongMethod = try RawHTTPClient.request(port: admin, method: "GET", path: "/reload")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.header("allow") == "POST")
            #expect(try RawHTTPClient.request(port: admin, method: "DELETE", path: "/metrics").status == 405)
            #expect(gateway.stop() == 0)
        }
    }

    /// SPEC §14: the probes listener answers health, readiness and metrics as the admin
    /// listener does, and nothing else: never the config or a reload.
    @Test func probesListenerServesOnlyHealthReadinessAndMetrics() async throws {
        try await TestBackend.withStarted { backend in
            let config = Self.config(backend: backend.baseURL)
                .replacingOccurrences(of: #""admin": "127.0.0.1:0","#, with: #""admin": "127.0.0.1:0", "probes": "127.0.0.1:0","#)
            let file = try temporaryFile(config)
            let gateway = try GatewayProcess(configPath: file.path)
            let admin = try #require(gateway.adminPort)
            let probes = try #require(gateway.probesPort)
            #expect(probes != admin)
            for path in ["/healthz", "/readyz", "/metrics"] {
                let answer = try RawHTTPClient.request(port: probes, path: path)
                let reference = try RawHTTPClient.request(port: admin, path: path)
                #expect(answer.status == 200, "\(path)")
                #expect(answer.header("content-type") == reference.header("content-type"), "\(path)")
                #expect(try RawHTTPClient.request(port: probes, method: "HEAD", path: path).status == 200, "\(path)")
            }
            #expect(String(decoding: try RawHTTPClient.request(port: probes, path: "/healthz").body, as: UTF8.self) == #"{"status":"ok"}"# + "\n")
            for (method, path) in [("GET", "/config"), ("POST", "/reload"), ("GET", "/reload"), ("GET", "/nope")] {
                let refused = try RawHTTPClient.request(port: probes, method: method, path: path)
                #expect(refused.status == 404, "\(method) \(path)")
                #expect(String(decoding: refused.body, as: UTF8.self).contains("No probe endpoint"))
            }
            let wrongMethod = try RawHTTPClient.request(port: probes, method: "POST", path: "/metrics")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.header("allow") == "GET")
            // Nothing was reloaded through it; the admin listener still serves both.
            let running = try RawHTTPClient.request(port: admin, path: "/config")
            #expect(String(decoding: running.body, as: UTF8.self).contains(#""lastReload":null"#))
            #expect(try RawHTTPClient.request(port: admin, method: "POST", path: "/reload").status == 200)
            #expect(gateway.stop() == 0)
        }
    }

    /// `/metrics` parses as Prometheus text, and each family moves with the requests made.
    @Test func metricsMoveWithTraffic() async throws {
        try await TestBackend.withStarted { backend in
            let file = try temporaryFile(Self.config(backend: backend.baseURL))
            let gateway = try GatewayProcess(configPath: file.path)
            let admin = try #require(gateway.adminPort)
            func scrape() throws -> Exposition {
                let response = try RawHTTPClient.request(port: admin, path: "/metrics")
                #expect(response.header("content-type") == "text/plain; version=0.0.4; charset=utf-8")
                return try Exposition(parsing: String(decoding: response.body, as: UTF8.self))
            }
            let before = try scrape()
            #expect(before.samples[.init("cors_gateway_config_generation")] == 1)
            for family in ["cors_gateway_open_connections", "cors_gateway_upstream_transfers_in_flight", "cors_gateway_reloads_total"] {
                #expect(before.families[family] != nil, "\(family) is exposed from the start")
            }

            let port = gateway.port
            for _ in 0..<3 { _ = try RawHTTPClient.request(port: port, path: "/fn/echo") }
            _ = try RawHTTPClient.request(port: port, path: "/fn/status/503")
            _ = try RawHTTPClient.request(port: port, method: "OPTIONS", path: "/fn/x", headers: [
                ("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "GET"),
            ])
            _ = try RawHTTPClient.request(port: port, method: "OPTIONS", path: "/fn/x", headers: [
                ("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "PUT"),
            ])
            _ = try RawHTTPClient.request(port: port, path: "/fn/headers?Set-Cookie=a%3D1")
            _ = try RawHTTPClient.request(port: admin, method: "POST", path: "/reload")

            // A connection held open and a transfer in flight show in the gauges.
            let held = try RawHTTPClient.connect(port: port)
            try held.sendRequest(path: "/fn/slow-head/1000")
            try await backend.waitUntil("the slow request", timeout: .seconds(5)) { $0.requests.contains { $0.uri == "/slow-head/1000" } }
            let during = try scrape()
            #expect(during.samples[.init("cors_gateway_open_connections")] ?? 0 >= 1)
            #expect(during.samples[.init("cors_gateway_upstream_transfers_in_flight")] == 1)
            _ = try held.readResponse()
            held.close()

            let after = try scrape()
            func delta(_ name: String, _ labels: [String: String]) -> Double {
                let series = Exposition.Series(name, labels)
                return (after.samples[series] ?? 0) - (before.samples[series] ?? 0)
            }
            #expect(delta("cors_gateway_requests_total", ["route": "fn", "method": "GET", "status": "200"]) == 5)
            #expect(delta("cors_gateway_requests_total", ["route": "fn", "method": "GET", "status": "503"]) == 1)
            #expect(delta("cors_gateway_requests_total", ["route": "fn", "method": "OPTIONS", "status": "204"]) == 1)
            #expect(delta("cors_gateway_requests_total", ["route": "fn", "method": "OPTIONS", "status": "403"]) == 1)
            #expect(delta("cors_gateway_preflights_total", ["route": "fn", "result": "allowed", "mode": "enforce"]) == 1)
            #expect(delta("cors_gateway_preflights_total", ["route": "fn", "result": "rejected", "mode": "enforce"]) == 1)
            #expect(delta("cors_gateway_cors_rejections_total", ["route": "fn", "reason": "method", "mode": "enforce"]) == 1)
            #expect(delta("cors_gateway_cookies_rewritten_total", ["route": "fn"]) == 1)
            #expect(delta("cors_gateway_reloads_total", ["result": "unchanged"]) == 1)
            #expect(delta("cors_gateway_upstream_duration_seconds_count", ["route": "fn"]) == 6)
            let histogram = try #require(after.histograms[.init("cors_gateway_upstream_duration_seconds", ["route": "fn"])])
            #expect((histogram.sum ?? 0) >= 1.0, "the 1 s slow request is in the sum")
            #expect(gateway.stop() == 0)
        }
    }
}
