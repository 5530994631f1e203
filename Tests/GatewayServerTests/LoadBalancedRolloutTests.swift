import Foundation
import GatewayTestSupport
import NIOConcurrencyHelpers
import Testing

/// SPEC §14: three gateways on one machine behind HAProxy (health-checking `/readyz` on each
/// probes port, as a kubelet would), each with its own ConfigMap-shaped volume. A config change
/// reaches them one after another, as kubelets on different nodes deliver it; a client loop
/// through HAProxy runs the whole time. Every request succeeds and every instance ends up
/// reporting the same `hash`.
@Suite(.serialized) struct LoadBalancedRolloutTests {
    /// Requests through HAProxy, one at a time on fresh connections, until stopped.
    final class ClientLoop: Sendable {
        struct Tally: Sendable {
            var ok = 0
            var failures: [String] = []
            /// The `x-config` header of each 200, in order ("" before the change).
            var versions: [String] = []
        }

        private let state = NIOLockedValueBox(Tally())
        private let stopped = NIOLockedValueBox(false)
        private let finished = NIOLockedValueBox(false)

        init(port: Int, path: String, limit: Duration) {
            Thread.detachNewThread { [state, stopped, finished] in
                let deadline = ContinuousClock.now + limit
                while !stopped.withLockedValue({ $0 }), ContinuousClock.now < deadline {
                    do {
                        let response = try RawHTTPClient.request(port: port, path: path, timeout: .seconds(5))
                        state.withLockedValue { tally in
                            if response.status == 200 {
                                tally.ok += 1
                                tally.versions.append(response.header("x-config") ?? "")
                            } else {
                                tally.failures.append("status \(response.status): \(String(decoding: response.body, as: UTF8.self))")
                            }
                        }
                    } catch {
                        state.withLockedValue { $0.failures.append("\(error)") }
                    }
                }
                finished.withLockedValue { $0 = true }
            }
        }

        var tally: Tally { state.withLockedValue { $0 } }

        func stop() -> Tally {
            stopped.withLockedValue { $0 = true }
            let deadline = ContinuousClock.now + .seconds(10)
            while !finished.withLockedValue({ $0 }), ContinuousClock.now < deadline { usleep(5_000) }
            return tally
        }
    }

    @Test func threeInstancesConvergeWithoutAFailedRequest() async throws {
        guard let haproxyPath = DeploymentFiles.requiredTool("/usr/sbin/haproxy", installedBy: "apt-get install haproxy") else { return }
        let configMap = try ConfigMapManifest.load()
        let deployment = try DeploymentManifest.load()
        try await TestBackend.withStarted { backend in
            let original = try configMap.runnableGatewayJSON(backendURL: backend.baseURL)
            var volumes: [ConfigMapVolume] = []
            var gateways: [GatewayProcess] = []
            defer {
                for gateway in gateways where gateway.process.isRunning { _ = gateway.stop() }
                for volume in volumes { volume.remove() }
            }
            for _ in 0..<3 {
                let volume = try ConfigMapVolume(gatewayJSON: original)
                volumes.append(volume)
                gateways.append(try GatewayProcess(configPath: volume.configPath, arguments: try deployment.serveOptions))
            }
            let frontPort = try await closedLoopbackPort()
            let haproxy = try HAProxy(path: haproxyPath, frontPort: frontPort, servers: try gateways.map { ($0.port, try #require($0.probesPort)) })
            defer { haproxy.stop() }
            try haproxy.waitUntilServing(path: "/fn/echo")

            let loop = ClientLoop(port: frontPort, path: "/fn/echo", limit: .seconds(30))
            while loop.tally.ok < 20, loop.tally.failures.isEmpty { usleep(10_000) }

            // The rollout: each volume updated in turn, a few hundred milliseconds apart.
            let updated = try configMap.runnableGatewayJSON(backendURL: backend.baseURL, responseHeaders: ["x-config": "2"])
            let expected = try "sha256:" + sha256Hex(Data(updated.utf8))
            for volume in volumes {
                try volume.update(updated)
                usleep(300_000)
            }
            let adminPorts = try gateways.map { try #require($0.adminPort) }
            let deadline = ContinuousClock.now + .seconds(10)
            var hashes: [String] = []
            repeat {
                hashes = try adminPorts.map { try configDocument(adminPort: $0)["hash"] as? String ?? "" }
                if Set(hashes) == [expected] { break }
                usleep(50_000)
            } while ContinuousClock.now < deadline
            #expect(hashes == Array(repeating: expected, count: 3), "every instance reports the new file's hash")
            // Once all converged, every answer is the new version.
            let converged = loop.tally.ok
            while loop.tally.ok < converged + 30, loop.tally.failures.isEmpty, ContinuousClock.now < deadline + .seconds(5) { usleep(10_000) }
            let tally = loop.stop()

            #expect(tally.failures.isEmpty, "failed requests during the rollout: \(tally.failures.prefix(5))")
            #expect(tally.ok >= converged + 30, "only \(tally.ok) requests went through")
            #expect(tally.versions.prefix(20).allSatisfy { $0.isEmpty }, "the first answers came from the old file")
            #expect(tally.versions.suffix(30).allSatisfy { $0 == "2" }, "after convergence: \(tally.versions.suffix(30))")
            // The load balancer really spread the loop over the three instances.
            let spread = try gateways.map { gateway in
                let metrics = try RawHTTPClient.request(port: try #require(gateway.probesPort), path: "/metrics")
                let exposition = try Exposition(parsing: String(decoding: metrics.body, as: UTF8.self))
                let served = Exposition.Series("cors_gateway_requests_total", ["route": "functions", "method": "GET", "status": "200"])
                return (exposition.samples[served] ?? 0) > 0
            }
            #expect(spread == [true, true, true])
            for gateway in gateways { #expect(gateway.stop() == 0) }
        }
    }
}

/// HAProxy in the foreground, round-robin over the gateways, each health-checked with
/// `GET /readyz` on its probes port; connection failures and empty answers are retried on
/// another instance, as a production load balancer in front of a rollout would be set.
final class HAProxy {
    private let process: Process
    private let output: PipeCollector
    private let directory: URL
    let port: Int

    init(path: String, frontPort: Int, servers: [(port: Int, probesPort: Int)]) throws {
        let lines = servers.enumerated().map { index, server in
            "    server gateway\(index + 1) 127.0.0.1:\(server.port) check port \(server.probesPort)"
        }
        let config = """
            global
                nbthread 1
                maxconn 256
            defaults
                mode http
                timeout connect 2s
                timeout client 10s
                timeout server 10s
                retries 3
                option redispatch
                retry-on conn-failure empty-response
            frontend clients
                bind 127.0.0.1:\(frontPort)
                default_backend gateways
            backend gateways
                balance roundrobin
                option httpchk GET /readyz
                http-check expect status 200
                timeout check 2s
                default-server inter 200ms fall 3 rise 1
            \(lines.joined(separator: "\n"))

            """
        let file = try temporaryFile(config, name: "haproxy.cfg")
        directory = file.deletingLastPathComponent()
        let check = try runCommand(path, ["-c", "-q", "-f", file.path])
        try #require(check.status == 0, "haproxy -c: \(check.stdout)\(check.stderr)")
        process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-db", "-f", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        output = PipeCollector(pipe)
        port = frontPort
    }

    /// Until a request through it succeeds (within 10 s).
    func waitUntilServing(path: String) throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, process.isRunning {
            if (try? RawHTTPClient.request(port: port, path: path, timeout: .seconds(2)).status) == 200 { return }
            usleep(50_000)
        }
        Issue.record("HAProxy did not serve: \(output.contents)")
        throw GatewayProcessError.noListeningLine(output.contents)
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            if !waitForExit(process, timeout: .seconds(5)) { kill(process.processIdentifier, SIGKILL) }
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
