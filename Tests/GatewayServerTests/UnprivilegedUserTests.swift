import Foundation
import GatewayTestSupport
import Testing

/// The gateway serves clients when it runs as an ordinary user, as in a container (SPEC §14).
/// Regression: the client listener asked for TCP_NODELAY at the socket level, where option 1
/// is SO_DEBUG; root may set that, anyone else gets EACCES, so every client connection was
/// closed before its first byte (the admin listener, without the option, kept working).
@Suite(.serialized) struct UnprivilegedUserTests {
    @Test func clientConnectionsAreServedAsNobody() async throws {
        let setpriv = "/usr/bin/setpriv"  // util-linux, an essential Debian package
        try #require(getuid() == 0, "dropping to nobody needs root")
        try await TestBackend.withStarted { backend in
            let file = try temporaryFile(TestConfig.single(backendURL: backend.baseURL))
            defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
            let gateway = try GatewayProcess(
                configPath: file.path, prefix: [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"])
            defer { if gateway.process.isRunning { _ = gateway.stop() } }
            let echo = try RawHTTPClient.request(port: gateway.port, path: "/fn/echo")
            #expect(echo.status == 200)
            let local = try RawHTTPClient.request(port: gateway.port, path: "/nowhere")
            #expect(local.status == 404)
            #expect(gateway.stop() == 0)
        }
    }
}
