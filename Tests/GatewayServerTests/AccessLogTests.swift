import Foundation
import GatewayTestSupport
import Testing

/// SPEC §8: one structured access-log line per request, with its route, status, durations,
/// CORS decision and request id.
@Suite struct AccessLogTests {
    static let cors = #""cors": { "allowOrigins": ["https://app.example.com"] }"#

    @Test func oneEntryPerRequestWithItsFields() async throws {
        try await withGateway(route: Self.cors) { gateway, _ in
            let proxied = try RawHTTPClient.request(port: gateway.port, path: "/fn/echo?token=secret", headers: [("Origin", "https://app.example.com")])
            let upload = try RawHTTPClient.request(port: gateway.port, method: "POST", path: "/fn/echo", body: Array(repeating: 7, count: 1000))
            let allowed = try RawHTTPClient.request(port: gateway.port, method: "OPTIONS", path: "/fn/x", headers: [
                ("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "GET"),
            ])
            let rejected = try RawHTTPClient.request(port: gateway.port, method: "OPTIONS", path: "/fn/x", headers: [
                ("Origin", "https://evil.example"), ("Access-Control-Request-Method", "GET"),
            ])
            let unrouted = try RawHTTPClient.request(port: gateway.port, path: "/nowhere")
            let statuses: [Int] = [proxied.status, upload.status, allowed.status, rejected.status, unrouted.status]
            #expect(statuses == [200, 200, 204, 403, 404])
            #expect(await gateway.eventually { gateway.accessLog.entries.count >= 5 })
            let entries = gateway.accessLog.entries
            #expect(entries.count == 5, "one entry per request")
            #expect(entries.allSatisfy { $0.message == "request" && $0.level == .info })

            let first = entries[0]
            #expect(first["request_id"] == proxied.header("x-request-id"))
            #expect(first["route"] == "fn")
            #expect(first["method"] == "GET")
            #expect(first["path"] == "/fn/echo", "the query string is never logged")
            #expect(first["status"] == "200")
            #expect(first["bytes_out"] == String(proxied.body.count))
            #expect(first["cors"] == "origin-allowed")
            #expect(first["cors_mode"] == "enforce")
            #expect(first["completed"] == "true")
            let upstream = try #require(first["upstream_ms"].flatMap(Double.init))
            let total = try #require(first["total_ms"].flatMap(Double.init))
            #expect(upstream > 0 && upstream <= total)

            #expect(entries[1]["bytes_in"] == "1000")
            #expect(entries[1]["cors"] == "origin-absent")
            #expect(entries[2]["cors"] == "preflight-allowed")
            #expect(entries[2]["status"] == "204")
            #expect(entries[2]["upstream_ms"] == nil, "answered at the edge")
            #expect(entries[3]["cors"] == "preflight-rejected")
            #expect(entries[3]["cors_reason"] == "origin")
            #expect(entries[4]["route"] == "")
            #expect(entries[4]["status"] == "404")
            #expect(entries[4]["cors"] == "none")
        }
    }

    /// SPEC §4: report-only changes nothing on the wire but records the decision it would make.
    @Test func reportOnlyDecisionsAreLoggedAndCounted() async throws {
        let route = #""cors": { "allowOrigins": ["https://app.example.com"], "mode": "report-only" }"#
        try await withGateway(route: route) { gateway, backend in
            let response = try RawHTTPClient.request(port: gateway.port, method: "OPTIONS", path: "/fn/echo", headers: [
                ("Origin", "https://evil.example"), ("Access-Control-Request-Method", "DELETE"),
            ])
            #expect(response.status == 200, "forwarded to the backend")
            #expect(backend.requests.count == 1)
            #expect(await gateway.eventually { gateway.accessLog.entries.count == 1 })
            let entry = try #require(gateway.accessLog.entries.first)
            #expect(entry["cors"] == "preflight-rejected")
            #expect(entry["cors_reason"] == "origin")
            #expect(entry["cors_mode"] == "report-only")
            let scrape = try gateway.scrape()
            #expect(scrape.samples[.init("cors_gateway_preflights_total", ["route": "fn", "result": "rejected", "mode": "report-only"])] == 1)
            #expect(scrape.samples[.init("cors_gateway_cors_rejections_total", ["route": "fn", "reason": "origin", "mode": "report-only"])] == 1)
        }
    }

    @Test func clientThatLeavesMidResponseIsLoggedAsIncomplete() async throws {
        try await withGateway { gateway, _ in
            let client = try RawHTTPClient.connect(port: gateway.port)
            try client.setReceiveBuffer(64 * 1024)
            try client.sendRequest(path: "/fn/bytes/\(32 * 1024 * 1024)")
            try await Task.sleep(for: .milliseconds(300))
            client.close()
            #expect(await gateway.eventually { gateway.accessLog.entries.count == 1 })
            let entry = try #require(gateway.accessLog.entries.first)
            #expect(entry["completed"] == "false")
            #expect(entry["status"] == "200", "the status that went out")
            #expect(Int(entry["bytes_out"] ?? "") ?? 0 < 32 * 1024 * 1024)
        }
    }

    /// A backend fault gets a warning line of its own, with what libcurl said.
    @Test func backendFaultsAreLoggedAsWarnings() async throws {
        let port = try await closedLoopbackPort()
        try await withGateway(frontOf: "http://127.0.0.1:\(port)") { gateway in
            let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/x")
            #expect(response.status == 502)
            #expect(await gateway.eventually { gateway.faultLog.entries.count == 1 })
            let fault = try #require(gateway.faultLog.entries.first)
            #expect(fault.level == .warning)
            #expect(fault.message == "upstream fault")
            #expect(fault["error"] == "upstream_unavailable")
            #expect(fault["backend"] == "b")
            #expect(fault["route"] == "fn")
            #expect(fault["request_id"] == response.header("x-request-id"))
            #expect(fault["detail"]?.isEmpty == false)
        }
    }

    /// The real executable writes JSON lines to stdout, one per request.
    @Test func executableWritesJSONLines() async throws {
        try await TestBackend.withStarted { backend in
            let file = try temporaryFile(TestConfig.single(backendURL: backend.baseURL))
            let gateway = try GatewayProcess(configPath: file.path, arguments: ["--log-format", "json"])
            for path in ["/fn/echo", "/fn/status/503", "/missing"] {
                _ = try RawHTTPClient.request(port: gateway.port, path: path)
            }
            #expect(gateway.stop() == 0)
            #expect(gateway.stdout.wait(timeout: .seconds(2)) { _ in gateway.stdout.isFinished })
            let objects = gateway.stdout.lines.filter { $0.hasPrefix("{") }.compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            #expect(objects.count == gateway.stdout.lines.filter { $0.hasPrefix("{") }.count, "every log line is a JSON object")
            let access = objects.filter { $0["logger"] as? String == "cors-gateway.access" }
            #expect(access.map { $0["status"] as? Int } == [200, 503, 404])
            #expect(access.map { $0["path"] as? String } == ["/fn/echo", "/fn/status/503", "/missing"])
            #expect(access.allSatisfy { ($0["time"] as? String)?.hasSuffix("Z") == true && $0["request_id"] is String && $0["total_ms"] is NSNumber })
        }
    }
}
