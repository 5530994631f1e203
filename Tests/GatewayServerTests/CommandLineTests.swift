import Foundation
import GatewayTestSupport
import Testing

/// The `cors-gateway` executable: `check` messages and exit codes, `serve` end to end, and an
/// idle process that uses no CPU.
@Suite("cors-gateway command line", .serialized)
struct CommandLineTests {
    @Test func checkAcceptsTheRepositoryConfig() throws {
        let repoConfig = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("gateway.json")
        let result = try GatewayExecutable.run(["check", "--config", repoConfig.path])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("OK (2 routes, 2 backends"))
    }

    static var repoConfig: String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("gateway.json").path
    }

    @Test func explainAnAllowedPreflight() throws {
        let result = try GatewayExecutable.run([
            "explain", "--config", Self.repoConfig, "--origin", "https://app.example.com", "--method", "PUT",
            "--path", "/modern/hello", "--header", "Content-Type", "--header", "x-api-key",
        ])
        #expect(result.status == 0)
        #expect(result.stdout.contains("route: modern"))
        #expect(result.stdout.contains("ALLOWED"))
        #expect(result.stdout.contains("Access-Control-Allow-Origin: https://app.example.com"))
        #expect(result.stdout.contains("Access-Control-Allow-Headers: content-type, x-api-key"))
    }

    @Test func explainARejectionByOrigin() throws {
        let result = try GatewayExecutable.run([
            "explain", "--config", Self.repoConfig, "--origin", "https://evil.example", "--method", "PUT", "--path", "/modern/hello",
        ])
        #expect(result.stdout.contains("REJECTED by origin"))
        #expect(result.stdout.contains("https://evil.example"))
        #expect(result.stdout.contains("403"))
        #expect(!result.stdout.contains("Access-Control-Allow-Origin: https://evil.example"))
    }

    @Test func explainARejectionByHeader() throws {
        let result = try GatewayExecutable.run([
            "explain", "--config", Self.repoConfig, "--origin", "https://app.example.com", "--method", "POST",
            "--path", "/classic/hello", "--header", "x-api-key",
        ])
        #expect(result.stdout.contains("route: classic"))
        #expect(result.stdout.contains("REJECTED by headers"))
        #expect(result.stdout.contains("x-api-key"))
    }

    /// `explain` routes as `serve` does (SPEC §11): on the normalised path, and not at all for a
    /// path or Host the gateway answers 400.
    @Test func explainRoutesTheNormalisedPath() throws {
        let result = try GatewayExecutable.run([
            "explain", "--config", Self.repoConfig, "--origin", "https://app.example.com", "--method", "PUT",
            "--path", "/classic/%2e%2e/modern/hello?x=1",
        ])
        #expect(result.stdout.contains("path: /classic/%2e%2e/modern/hello is routed as /modern/hello"), "\(result.stdout)")
        #expect(result.stdout.contains("route: modern"))
    }

    @Test(arguments: [
        (["--path", "/modern/../../x"], #"a ".." climbs above "/""#),
        (["--path", "/modern/a%2Fb"], "it holds %2F or %5C"),
        (["--path", "/modern/hello", "--host", "admin.internal:@evil.com"], "is not host[:port]"),
    ])
    func explainARequestTheGatewayRefuses(arguments: [String], reason: String) throws {
        let result = try GatewayExecutable.run(
            ["explain", "--config", Self.repoConfig, "--origin", "https://app.example.com", "--method", "PUT"] + arguments)
        #expect(result.stdout.hasPrefix("route: none"), "\(result.stdout)")
        #expect(result.stdout.contains(reason))
        #expect(result.stdout.contains("the gateway answers 400 bad_request"))
    }

    @Test func checkReportsErrorsWithJsonPathsAndExitsOne() throws {
        let file = try temporaryFile("""
            {
              "listen": ["127.0.0.1:8080"],
              "limts": {},
              "backends": { "fn": { "url": "ftp://example.com" } },
              "routes": [
                { "name": "a", "match": { "pathPrefix": "fn" }, "backend": "fn" },
                { "name": "b", "match": { "path": "/x", "methods": ["GET"] }, "backend": "missing" }
              ]
            }
            """)
        let result = try GatewayExecutable.run(["check", "--config", file.path])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("error: limts:") || $0.hasPrefix("error: limts ") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("error: backends.fn.url:") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("error: routes[0].match.pathPrefix:") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("error: routes[1].backend:") }, "\(lines)")
    }

    /// SPEC §14's `probes` is checked like `admin`: its problems are errors at its path.
    @Test func checkReportsProbesErrorsAtTheirPath() throws {
        let file = try temporaryFile("""
            { "listen": ["0.0.0.0:9902"], "probes": "0.0.0.0:9902", "backends": {}, "routes": [] }
            """)
        let result = try GatewayExecutable.run(["check", "--config", file.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("error: probes: the probes address is also listen[0]"), "\(result.stdout)")
        let wrongType = try temporaryFile(#"{ "probes": 9902, "backends": {}, "routes": [] }"#)
        let typed = try GatewayExecutable.run(["check", "--config", wrongType.path])
        #expect(typed.status == 1)
        #expect(typed.stdout.contains(#"error: probes: expected a "host:port" string, or null for no probes listener"#), "\(typed.stdout)")
    }

    @Test func checkReadsPackageJsonFiles() throws {
        let package = try temporaryFile(#"{ "dependencies": { "@twilio/runtime-handler": "^1.2.0" } }"#, name: "package.json")
        let config = try temporaryFile("""
            { "listen": ["127.0.0.1:0"],
              "backends": { "fn": { "url": "http://127.0.0.1:9", "packageJson": "\(package.path)" } },
              "routes": [ { "name": "r", "match": { "pathPrefix": "/" }, "backend": "fn" } ] }
            """)
        let result = try GatewayExecutable.run(["check", "--config", config.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("backends.fn.packageJson"), "\(result.stdout)")
        #expect(result.stdout.contains(package.path))
        #expect(result.stdout.contains(#"dependencies["@twilio/runtime-handler"]"#))
    }

    /// SPEC §12: `check` reads a TLS listener's files (relative to the config's directory):
    /// a key that is not the certificate's is an error at its JSON path, a certificate that
    /// expires within 14 days a warning; `serve` refuses to start on the error.
    @Test func checkReadsTLSCertificates() throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        try certificates.make("a", dnsNames: ["a.test"], days: 3)
        try certificates.make("b", dnsNames: ["b.test"])
        func config(key: String) throws -> URL {
            let url = URL(fileURLWithPath: certificates.directory).appendingPathComponent("gateway.json")
            try Data("""
                { "listen": [{ "address": "127.0.0.1:0", "tls": { "certificates": [{ "certificateChain": "a.pem", "privateKey": "\(key)" }] } }],
                  "admin": null, "backends": { "fn": { "url": "http://127.0.0.1:9" } },
                  "routes": [ { "name": "r", "match": { "pathPrefix": "/" }, "backend": "fn" } ] }
                """.utf8).write(to: url)
            return url
        }
        let mismatch = try GatewayExecutable.run(["check", "--config", try config(key: "b.key").path])
        #expect(mismatch.status == 1)
        #expect(mismatch.stdout.contains("error: listen[0].tls.certificates[0].privateKey: the private key does not match"), "\(mismatch.stdout)")
        let served = try GatewayExecutable.run(["serve", "--config", try config(key: "b.key").path])
        #expect(served.status == 1)
        #expect(served.stderr.contains("listen[0].tls.certificates[0].privateKey"), "\(served.stderr)")
        let expiring = try GatewayExecutable.run(["check", "--config", try config(key: "a.key").path])
        #expect(expiring.status == 0)
        #expect(expiring.stdout.contains("warning: listen[0].tls.certificates[0].certificateChain: the certificate expires at"), "\(expiring.stdout)")
    }

    @Test func checkReportsSyntaxErrors() throws {
        let file = try temporaryFile(#"{ "listen": ["127.0.0.1:1"], "#)
        let result = try GatewayExecutable.run(["check", "--config", file.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("error:"))
    }

    @Test func checkReportsAMissingFile() throws {
        let result = try GatewayExecutable.run(["check", "--config", "/nonexistent/gateway.json"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("/nonexistent/gateway.json"))
    }

    @Test func serveRefusesAnInvalidConfig() throws {
        let file = try temporaryFile(#"{ "routes": [ { "name": "x" } ] }"#)
        let result = try GatewayExecutable.run(["serve", "--config", file.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("routes[0]"))
    }

    /// A real process proxies, sits idle without spinning, and exits 0 on SIGTERM.
    @Test func idleGatewayUsesNoCPUAndExitsCleanly() async throws {
        let backend = try await TestBackend.start()
        let file = try temporaryFile(TestConfig.single(backendURL: backend.baseURL))
        let gateway = try GatewayProcess(configPath: file.path)
        let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/echo")
        #expect(response.status == 200)
        try await Task.sleep(for: .seconds(1))  // let start-up work settle
        let before = try ProcessCPU.secondsUsed(pid: gateway.process.processIdentifier)
        try await Task.sleep(for: .seconds(2))
        let after = try ProcessCPU.secondsUsed(pid: gateway.process.processIdentifier)
        #expect(after - before < 0.05, "idle gateway used \(after - before) s CPU in 2 s")
        #expect(gateway.stop() == 0)
        try await backend.shutdown()
    }

    /// A transfer paused by backpressure sleeps: no busy loop in the curl thread while the
    /// client reads nothing.
    @Test func pausedTransferUsesNoCPU() async throws {
        let backend = try await TestBackend.start()
        let file = try temporaryFile(TestConfig.single(backendURL: backend.baseURL))
        let gateway = try GatewayProcess(configPath: file.path)
        let client = try RawHTTPClient.connect(port: gateway.port)
        try client.setReceiveBuffer(64 * 1024)
        try client.sendRequest(path: "/fn/bytes/\(64 * 1024 * 1024)")
        try await backend.waitUntil("the backend to stall", timeout: .seconds(10)) { backend in
            let served = backend.bytesServed
            Thread.sleep(forTimeInterval: 0.2)
            return served > 0 && served == backend.bytesServed
        }
        let before = try ProcessCPU.secondsUsed(pid: gateway.process.processIdentifier)
        try await Task.sleep(for: .seconds(2))
        let after = try ProcessCPU.secondsUsed(pid: gateway.process.processIdentifier)
        #expect(after - before < 0.05, "a paused gateway used \(after - before) s CPU in 2 s")
        client.close()
        #expect(gateway.stop() == 0)
        try await backend.shutdown()
    }
}
