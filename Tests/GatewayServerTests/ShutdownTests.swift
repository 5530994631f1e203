import Foundation
import GatewayTestSupport
import Testing

/// SPEC §8 shutdown on the real executable: SIGTERM stops accepting, turns `/readyz` 503, lets
/// requests in flight finish within the drain budget, and exits 0 with nothing after.
@Suite(.serialized) struct ShutdownTests {
    @Test func sigtermLetsTheRequestInFlightFinishAndRefusesNewConnections() async throws {
        try await TestBackend.withStarted { backend in
            let file = try temporaryFile(TestConfig.single(backendURL: backend.baseURL))
            let gateway = try GatewayProcess(configPath: file.path)
            let port = gateway.port
            let adminPort = try #require(gateway.adminPort)
            #expect(try RawHTTPClient.request(port: adminPort, path: "/readyz").status == 200)
            async let slow = onThread { try RawHTTPClient.request(port: port, path: "/fn/slow-head/1500") }
            try await backend.waitUntil("the slow request to arrive", timeout: .seconds(5)) { backend in
                backend.requests.contains { $0.uri == "/slow-head/1500" }
            }
            let signalled = ContinuousClock.now
            gateway.signal(SIGTERM)

            // New connections are refused while the request in flight is still running.
            var refused = false
            while !refused, ContinuousClock.now - signalled < .seconds(1) {
                refused = (try? RawHTTPClient.connect(port: port, timeout: .milliseconds(200))) == nil
                if !refused { usleep(20_000) }
            }
            #expect(refused, "the listener still accepted connections after SIGTERM")
            let readiness = try RawHTTPClient.request(port: adminPort, path: "/readyz")
            #expect(readiness.status == 503)
            #expect(String(decoding: readiness.body, as: UTF8.self).contains(#""error":"draining""#))

            let response = try await slow
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "slow\n")
            #expect(response.bodyComplete)
            #expect(response.header("connection") == "close")
            #expect(gateway.waitForExitStatus(timeout: .seconds(10)) == 0)
            #expect(gateway.stdout.wait(timeout: .seconds(2)) { _ in gateway.stdout.isFinished })
            #expect(gateway.stdout.lines.last?.contains("msg=stopped") == true, "the last line is the stop line")
            #expect(gateway.stderr.contents.isEmpty, "stderr: \(gateway.stderr.contents)")
            #expect(gateway.process.terminationReason == .exit)
        }
    }

    @Test func drainBudgetAnswersWaitingRequestsWith503() async throws {
        try await TestBackend.withStarted { backend in
            let file = try temporaryFile(TestConfig.single(backendURL: backend.baseURL))
            let gateway = try GatewayProcess(configPath: file.path, arguments: ["--drain-timeout-ms", "300"])
            let port = gateway.port
            async let slow = onThread { try RawHTTPClient.request(port: port, path: "/fn/slow-head/5000") }
            try await backend.waitUntil("the slow request to arrive", timeout: .seconds(5)) { backend in
                backend.requests.contains { $0.uri == "/slow-head/5000" }
            }
            let signalled = ContinuousClock.now
            gateway.signal(SIGTERM)
            let response = try await slow
            #expect(response.status == 503)
            #expect(String(decoding: response.body, as: UTF8.self).contains(#""error":"draining""#))
            #expect(gateway.waitForExitStatus(timeout: .seconds(5)) == 0)
            #expect(ContinuousClock.now - signalled < .seconds(3), "the budget bounds the drain")
            #expect(gateway.stderr.contents.isEmpty, "stderr: \(gateway.stderr.contents)")
        }
    }

    @Test func idleKeepAliveConnectionsCloseAtOnce() async throws {
        try await TestBackend.withStarted { backend in
            let file = try temporaryFile(TestConfig.single(backendURL: backend.baseURL))
            let gateway = try GatewayProcess(configPath: file.path)
            let client = try RawHTTPClient.connect(port: gateway.port)
            try client.sendRequest(path: "/fn/echo")
            #expect(try client.readResponse().status == 200)
            let signalled = ContinuousClock.now
            gateway.signal(SIGTERM)
            #expect(try client.isClosedByPeer(within: .seconds(2)))
            client.close()
            #expect(gateway.waitForExitStatus(timeout: .seconds(5)) == 0)
            #expect(ContinuousClock.now - signalled < .seconds(2), "an idle connection does not wait for the budget")
        }
    }
}
