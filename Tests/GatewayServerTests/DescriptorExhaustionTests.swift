import Foundation
import GatewayTestSupport
import Testing

/// Out of file descriptors, with clients still waiting in the listen queue, the listener backs
/// off instead of retrying accept(2) in a busy loop on the event loop that also serves the
/// connections it has; once descriptors are free again, it accepts again. (Found with the soak's
/// tools: at RLIMIT_NOFILE 128 with 300 clients queued, strace counted about 7,000 failed
/// accept4 calls a second, each after an epoll_wait that returned at once.)
@Suite(.serialized) struct DescriptorExhaustionTests {
    @Test func acceptBacksOffWhileDescriptorsRunOut() async throws {
        try await TestBackend.withStarted { backend in
            let file = try temporaryFile(TestConfig.single(backendURL: backend.baseURL))
            let gateway = try GatewayProcess(configPath: file.path, arguments: ["--event-loops", "1"], openFileLimit: 64)
            defer { _ = gateway.stop() }
            let pid = gateway.process.processIdentifier
            let adminPort = try #require(gateway.adminPort)
            // More clients than descriptors: the listen queues take them all, the gateway
            // accepts until accept(2) fails with EMFILE, and the rest stay queued, on both
            // listeners.
            let clients = try (0..<100).map { _ in try RawHTTPClient.connect(port: gateway.port) }
                + (0..<20).map { _ in try RawHTTPClient.connect(port: adminPort) }
            // Accepting and setting up the connections it has room for takes a debug build a
            // moment on a busy machine; then it has nothing left to do.
            try await Task.sleep(for: .milliseconds(1500))
            // Time running or ready to run, not CPU time: a busy loop gets little CPU on a busy
            // machine, but it is always ready to run, so it fills the whole window.
            let (runnableBefore, cpuBefore) = (try ProcessCPU.secondsRunnable(pid: pid), try ProcessCPU.secondsUsed(pid: pid))
            try await Task.sleep(for: .seconds(2))
            let runnable = try ProcessCPU.secondsRunnable(pid: pid) - runnableBefore
            let cpu = try ProcessCPU.secondsUsed(pid: pid) - cpuBefore
            #expect(runnable < 1.0, "with no request to serve, the gateway was running or ready to run for \(runnable) s of 2 s (CPU \(cpu) s)")

            for client in clients { client.close() }
            let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/echo", timeout: .seconds(5))
            #expect(response.status == 200)
            #expect(try RawHTTPClient.request(port: adminPort, path: "/healthz", timeout: .seconds(5)).status == 200)
        }
    }
}
