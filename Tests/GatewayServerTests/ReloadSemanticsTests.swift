import Foundation
import GatewayTestSupport
import NIOConcurrencyHelpers
import Testing

/// SPEC §9 per-route semantics through `POST /reload` on the real executable (file watch off,
/// so each step applies exactly when the test says).
@Suite(.serialized) struct ReloadSemanticsTests {
    static let brokenCORS = #""cors": { "allowOrigins": ["https://app.example.com"], "maxAge": 99999999 }"#

    @Test func invalidRouteKeepsServingWhileSiblingChangeApplies() async throws {
        try await TestBackend.withStarted { backend in
            let config = ReloadConfig.pair(backend: backend.baseURL)
            let gateway = try ReloadingGateway.start(config, arguments: ["--no-watch-config"])
            try gateway.writeInPlace(config.with("alpha", version: "alpha-2", extra: Self.brokenCORS).with("beta", version: "beta-2"))
            let (status, report) = try gateway.reloadThroughAdmin()
            #expect(status == 200)
            #expect(report["result"] as? String == "partial")
            #expect(report["applied"] as? [String] == ["beta"])
            let rejected = try #require(report["rejected"] as? [[String: Any]])
            #expect(rejected.count == 1)
            #expect(rejected.first?["route"] as? String == "alpha")
            let errors = rejected.first?["errors"] as? [String] ?? []
            #expect(errors.count == 1 && errors[0].hasPrefix("routes[0].cors.maxAge: "), "\(errors)")
            #expect(try gateway.version(of: "alpha") == "alpha-1", "the invalid route keeps its previous version")
            #expect(try gateway.version(of: "beta") == "beta-2")

            let document = try gateway.configDocument()
            let routes = try #require(document["routes"] as? [[String: Any]])
            #expect(routes.map { $0["name"] as? String } == ["alpha", "beta"])
            #expect(routes[0]["status"] as? String == "stale")
            #expect((routes[0]["errors"] as? [String])?.first?.hasPrefix("routes[0].cors.maxAge") == true)
            #expect(routes[0]["generation"] as? Int == 1)
            #expect(routes[1]["status"] as? String == "active")
            #expect(routes[1]["generation"] as? Int == 2)
            #expect(document["generation"] as? Int == 2)
            #expect((document["lastReload"] as? [String: Any])?["result"] as? String == "partial")
            let hash = try #require(document["hash"] as? String)
            let expected = try "sha256:" + sha256Hex(Data(contentsOf: gateway.file))
            #expect(hash == expected, "hash is over the file's bytes")

            // Reloading the same file lists the stale route again.
            #expect(try gateway.reloadThroughAdmin().report["result"] as? String == "partial")
            #expect(gateway.stop() == 0)
        }
    }

    @Test func syntaxErrorChangesNothing() async throws {
        try await TestBackend.withStarted { backend in
            let config = ReloadConfig.pair(backend: backend.baseURL)
            let gateway = try ReloadingGateway.start(config, arguments: ["--no-watch-config"])
            let before = try gateway.configDocument()
            try Data(#"{ "listen": ["127.0.0.1:0"], "routes": [ "#.utf8).write(to: gateway.file)
            let (status, report) = try gateway.reloadThroughAdmin()
            #expect(status == 422)
            #expect(report["result"] as? String == "rejected")
            #expect((report["errors"] as? [String])?.isEmpty == false)
            #expect(report["generation"] as? Int == 1)
            #expect(try gateway.version(of: "alpha") == "alpha-1")
            #expect(try gateway.version(of: "beta") == "beta-1")
            let after = try gateway.configDocument()
            #expect(after["hash"] as? String == before["hash"] as? String, "what runs still comes from the old file")
            #expect(after["generation"] as? Int == 1)
            #expect(gateway.stop() == 0)
        }
    }

    /// A file that is gone for a while (deleted, or between a delete and a re-create) changes
    /// nothing; the watch applies it once it is back.
    @Test func missingFileIsRejectedAndNothingChanges() async throws {
        try await TestBackend.withStarted { backend in
            let config = ReloadConfig.pair(backend: backend.baseURL)
            let gateway = try ReloadingGateway.start(config)
            try FileManager.default.removeItem(at: gateway.file)
            let (status, report) = try gateway.reloadThroughAdmin()
            #expect(status == 422)
            #expect(report["hash"] as? String == "")
            #expect((report["errors"] as? [String])?.first?.contains("cannot read \(gateway.file.path)") == true)
            try await Task.sleep(for: .milliseconds(600))
            #expect(try gateway.version(of: "alpha") == "alpha-1")
            try Data(config.with("alpha", version: "alpha-2").text.utf8).write(to: gateway.file)
            #expect(try gateway.waitForVersion("alpha-2", of: "alpha") != nil)
            #expect(gateway.stop() == 0)
        }
    }

    @Test func removedRouteIs404AndNewInvalidRouteIsAbsent() async throws {
        try await TestBackend.withStarted { backend in
            let config = ReloadConfig.pair(backend: backend.baseURL)
            let gateway = try ReloadingGateway.start(config, arguments: ["--no-watch-config"])
            var next = config
            next.routes = [
                config.routes[0],
                ReloadConfig.Route(name: "gamma", version: "gamma-1", extra: Self.brokenCORS),
                ReloadConfig.Route(name: "delta", version: "delta-1"),
            ]
            try gateway.writeInPlace(next)
            let (status, report) = try gateway.reloadThroughAdmin()
            #expect(status == 200)
            #expect(report["result"] as? String == "partial")
            #expect(report["removed"] as? [String] == ["beta"])
            #expect(report["added"] as? [String] == ["delta"])
            #expect((report["rejected"] as? [[String: Any]])?.map { $0["route"] as? String } == ["gamma"])
            #expect(try gateway.version(of: "beta") == "status 404")
            let gamma = try RawHTTPClient.request(port: gateway.port, path: "/gamma/echo")
            #expect(gamma.status == 404)
            #expect(String(decoding: gamma.body, as: UTF8.self).contains(#""error":"no_route""#))
            #expect(try gateway.version(of: "delta") == "delta-1")
            let routes = try #require(try gateway.configDocument()["routes"] as? [[String: Any]])
            #expect(routes.map { $0["name"] as? String } == ["alpha", "delta"])
            #expect(gateway.stop() == 0)
        }
    }

    @Test func listenChangeIsReportedAsNeedingRestart() async throws {
        try await TestBackend.withStarted { backend in
            let config = ReloadConfig.pair(backend: backend.baseURL)
            let gateway = try ReloadingGateway.start(config, arguments: ["--no-watch-config"])
            var next = config.with("beta", version: "beta-2")
            next.listen = "127.0.0.1:1"
            try gateway.writeInPlace(next)
            let report = try gateway.reloadThroughAdmin().report
            #expect(report["needsRestart"] as? [String] == ["listen"])
            #expect(report["applied"] as? [String] == ["beta"])
            #expect(try gateway.version(of: "beta") == "beta-2", "the other changes still apply")
            #expect(gateway.stop() == 0)
        }
    }

    /// New limits apply to new connections; connections already open keep going.
    @Test func limitsApplyToNewConnections() async throws {
        try await TestBackend.withStarted { backend in
            let config = ReloadConfig.pair(backend: backend.baseURL)
            let gateway = try ReloadingGateway.start(config, arguments: ["--no-watch-config"])
            let open = try RawHTTPClient.connect(port: gateway.port)
            defer { open.close() }
            try open.sendRequest(path: "/alpha/echo")
            #expect(try open.readResponse().status == 200)
            var limited = config
            limited.limits = #""maxConnections": 1"#
            try gateway.writeInPlace(limited)
            let report = try gateway.reloadThroughAdmin().report
            #expect(report["result"] as? String == "applied")
            #expect(report["settings"] as? [String] == ["limits"])
            let refused = try RawHTTPClient.connect(port: gateway.port)
            defer { refused.close() }
            #expect(try refused.isClosedByPeer(within: .seconds(2)), "a second connection is over the new limit")
            try open.sendRequest(path: "/alpha/echo")
            #expect(try open.readResponse().status == 200, "the open connection keeps working")
            #expect(gateway.stop() == 0)
        }
    }

    /// Reloads never disturb an exchange: one that started on version 1 of a route ends on it,
    /// even when the reload moves the route to another backend.
    @Test func requestInFlightFinishesOnItsOriginalRoute() async throws {
        let first = try await TestBackend.start()
        let second = try await TestBackend.start()
        var config = ReloadConfig.pair(backend: first.baseURL)
        config.backends["second"] = second.baseURL
        let gateway = try ReloadingGateway.start(config, arguments: ["--no-watch-config"])
        let port = gateway.port
        async let inFlight = onThread { try RawHTTPClient.request(port: port, path: "/alpha/slow-head/1500") }
        try await first.waitUntil("the slow request to reach the first backend", timeout: .seconds(5)) { backend in
            backend.requests.contains { $0.uri == "/slow-head/1500" }
        }
        try gateway.writeInPlace(config.with("alpha", version: "alpha-2", backend: "second"))
        #expect(try gateway.reloadThroughAdmin().report["applied"] as? [String] == ["alpha"])
        #expect(try gateway.version(of: "alpha") == "alpha-2", "new requests use the new version")
        #expect(second.requests.count == 1)

        let response = try await inFlight
        #expect(response.status == 200)
        #expect(response.header("x-version") == "alpha-1")
        #expect(String(decoding: response.body, as: UTF8.self) == "slow\n")
        #expect(gateway.stop() == 0)
        try await first.shutdown()
        try await second.shutdown()
    }

    /// 200 requests/s across 20 back-to-back reloads: every response is a complete, expected one.
    @Test func noRequestIsLostAcrossBackToBackReloads() async throws {
        try await TestBackend.withStarted { backend in
            let config = ReloadConfig.pair(backend: backend.baseURL)
            let gateway = try ReloadingGateway.start(config, arguments: ["--no-watch-config"])
            let port = gateway.port
            let stop = NIOLockedValueBox(false)
            let problems = NIOLockedValueBox<[String]>([])
            let served = NIOLockedValueBox(0)
            // 4 keep-alive clients, each pacing itself to 50 requests/s.
            let started = ContinuousClock.now
            let clients = (0..<4).map { _ in
                Task {
                    try await onThread {
                    let client = try RawHTTPClient.connect(port: port)
                    defer { client.close() }
                    var next = ContinuousClock.now
                    while !stop.withLockedValue({ $0 }) {
                        try client.sendRequest(path: "/alpha/echo")
                        let response = try client.readResponse()
                        let version = response.header("x-version") ?? "none"
                        if response.status != 200 || !response.bodyComplete || !["alpha-1", "alpha-2"].contains(version) {
                            problems.withLockedValue { $0.append("status \(response.status), version \(version), complete \(response.bodyComplete)") }
                        }
                        served.withLockedValue { $0 += 1 }
                        next += .milliseconds(20)
                        let wait = next - ContinuousClock.now
                        if wait > .zero { usleep(UInt32(wait.components.attoseconds / 1_000_000_000_000)) }
                    }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(200))
            var results: [String] = []
            for round in 0..<20 {
                try gateway.writeInPlace(config.with("alpha", version: round.isMultiple(of: 2) ? "alpha-2" : "alpha-1"))
                let (status, report) = try gateway.reloadThroughAdmin()
                results.append("\(status) \(report["result"] as? String ?? "?")")
                try await Task.sleep(for: .milliseconds(80))
            }
            try await Task.sleep(for: .milliseconds(200))
            stop.withLockedValue { $0 = true }
            for client in clients { try await client.value }
            let elapsed = Double((ContinuousClock.now - started).components.attoseconds) / 1e18
                + Double((ContinuousClock.now - started).components.seconds)
            #expect(results == Array(repeating: "200 applied", count: 20))
            #expect(problems.withLockedValue { $0 }.isEmpty)
            let count = served.withLockedValue { $0 }
            // The clients held 200 requests/s (allowing for scheduling on a loaded CI machine).
            #expect(Double(count) >= 150 * elapsed, "only \(count) requests in \(elapsed) s")
            #expect(backend.requests.count == count, "every request reached the backend once")
            #expect(gateway.stop() == 0)
        }
    }
}

/// Hex SHA-256 through the openssl command line, independent of the gateway's own hashing.
func sha256Hex(_ data: Data) throws -> String {
    let file = try temporaryFile(String(decoding: data, as: UTF8.self), name: "hash-input")
    let result = try runTool("/usr/bin/openssl", ["dgst", "-sha256", "-r", file.path])
    return String(result.prefix { $0 != " " })
}

/// Runs a tool to completion and returns its standard output.
func runTool(_ path: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    _ = waitForExit(process, timeout: .seconds(10))
    return String(decoding: data, as: UTF8.self)
}
