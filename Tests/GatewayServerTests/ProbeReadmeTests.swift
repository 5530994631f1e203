import CORSProbe
import Foundation
import FunctionDemo
import GatewayTestSupport
import Testing

/// SPEC §13 against this gateway: `probe` on the repository's gateway.json (demo functions
/// behind it, as `make run` starts them) reproduces the outcome of each README preflight
/// example, and the README's `probe` lines give the exit codes they promise.
@Suite("probe against the README's gateway", .serialized)
struct ProbeReadmeTests {
    static func probe(
        _ url: String, origin: String, method: String = "GET", headers: [String] = [], credentials: Bool = false
    ) throws -> ProbeReport {
        try ProbeRunner.run(
            ProbeRequest.parse(url: url, origin: origin, method: method, headers: headers, credentials: credentials, caFile: nil))
    }

    @Test func readmePreflightExamplesHaveTheSameOutcomeThroughProbe() async throws {
        try await withReadmeGateway { gateway in
            // curl -X OPTIONS /modern/hello Origin app.example.com, PUT, content-type + x-api-key: 204, allowed.
            let allowed = try Self.probe(
                gateway.baseURL + "/modern/hello", origin: "https://app.example.com", method: "PUT",
                headers: ["Content-Type: application/json", "x-api-key:k"])
            #expect(allowed.verdict == "allowed", "\(allowed.text)")
            #expect(allowed.preflight.needed && allowed.preflight.status == 204)
            #expect(allowed.preflight.requestHeaders == ["content-type", "x-api-key"])
            #expect(allowed.preflight.cacheSeconds?["Chromium"] == 600, "gateway.json's maxAge 600")
            #expect(allowed.actual?.readableHeaders.contains("x-request-id") == true, "exposeHeaders [x-request-id]: \(allowed.text)")
            #expect(allowed.hazards.isEmpty, "the gateway sends Vary: Origin and allows neither unlisted origins nor null: \(allowed.hazards)")
            #expect(allowed.exitCode == 0)

            // curl -X OPTIONS /modern/hello Origin evil.example: 403 without CORS headers, blocked.
            let rejected = try Self.probe(gateway.baseURL + "/modern/hello", origin: "https://evil.example", method: "PUT")
            #expect(rejected.verdict == "blocked")
            #expect(rejected.preflight.status == 403)
            #expect(rejected.actual == nil, "a browser never sends the PUT after a failed preflight")
            #expect(
                rejected.blocked?.consoleMessage
                    == "Access to fetch at '\(gateway.baseURL)/modern/hello' from origin 'https://evil.example' has been blocked by CORS policy: "
                    + "Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource.")
            #expect(rejected.exitCode == 1)

            // With credentials: /modern allows them (Access-Control-Allow-Credentials: true), /classic does not.
            let modern = try Self.probe(gateway.baseURL + "/modern/whoami", origin: "https://app.example.com", credentials: true)
            #expect(modern.verdict == "allowed", "\(modern.text)")
            #expect(!modern.preflight.needed)
            let classic = try Self.probe(gateway.baseURL + "/classic/whoami", origin: "https://app.example.com", credentials: true)
            #expect(classic.verdict == "blocked")
            #expect(classic.blocked?.stage == "actual" && classic.blocked?.reason == "invalid-allow-credentials", "\(classic.text)")
            let plain = try Self.probe(gateway.baseURL + "/classic/whoami", origin: "https://app.example.com")
            #expect(plain.verdict == "allowed", "without credentials /classic is readable: \(plain.text)")
        }
    }

    /// The binary as the README runs it: exit 0 allowed, 1 blocked, and `--json` is one object.
    @Test func readmeProbeCommandsExitZeroAndOne() async throws {
        try await withReadmeGateway { gateway in
            let allowed = try GatewayExecutable.run([
                "probe", gateway.baseURL + "/modern/hello", "--origin", "https://app.example.com", "--method", "PUT",
                "--header", "Content-Type: application/json", "--header", "x-api-key:k",
            ])
            #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)")
            #expect(allowed.stdout.hasPrefix("ALLOWED: PUT \(gateway.baseURL)/modern/hello from origin https://app.example.com"), "\(allowed.stdout)")
            #expect(allowed.stdout.contains("curl -si -X OPTIONS \(gateway.baseURL)/modern/hello -H 'Origin: https://app.example.com' -H 'Access-Control-Request-Method: PUT' -H 'Access-Control-Request-Headers: content-type,x-api-key'"),
                    "\(allowed.stdout)")
            let blocked = try GatewayExecutable.run([
                "probe", gateway.baseURL + "/modern/hello", "--origin", "https://evil.example", "--method", "PUT", "--json",
            ])
            #expect(blocked.status == 1, "\(blocked.stdout)\(blocked.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(blocked.stdout.utf8)) as? [String: Any]
            #expect(object?["verdict"] as? String == "blocked")
            #expect((object?["blocked"] as? [String: Any])?["reason"] as? String == "missing-allow-origin")
            #expect((object?["curl"] as? [String: Any])?["preflight"] is String)
        }
    }
}

/// SPEC §13: exit 2 and one clear line on stderr when `probe` could not ask.
@Suite("probe: could not ask", .serialized)
struct ProbeCouldNotAskTests {
    static func expectExit2(_ arguments: [String], mentions: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try GatewayExecutable.run(["probe"] + arguments)
        #expect(result.status == 2, "\(arguments): exit \(result.status), stdout \(result.stdout)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "nothing on stdout: \(result.stdout)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("cors-gateway probe: could not ask: "), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(mentions), "stderr should mention \"\(mentions)\": \(result.stderr)", sourceLocation: sourceLocation)
    }

    @Test func badInput() throws {
        try Self.expectExit2(["127.0.0.1:8080/modern/hello", "--origin", "https://app.example.com"], mentions: "no http:// or https:// scheme")
        try Self.expectExit2(["ftp://example.com/x", "--origin", "https://app.example.com"], mentions: "no http:// or https:// scheme")
        try Self.expectExit2(["http://127.0.0.1:8080/", "--origin", "https://app.example.com/"], mentions: "no path, query, fragment or trailing slash")
        try Self.expectExit2(["http://127.0.0.1:8080/", "--origin", "app.example.com"], mentions: "scheme://host[:port]")
        try Self.expectExit2(["http://127.0.0.1:8080/", "--origin", "https://App.example.com"], mentions: "lowercase")
        try Self.expectExit2(["http://127.0.0.1:8080/", "--origin", "https://app.example.com:443"], mentions: "default port")
        try Self.expectExit2(["http://127.0.0.1:8080/", "--origin", "https://a.example", "--header", "Cookie: a=b"], mentions: "forbidden request header")
        try Self.expectExit2(["http://127.0.0.1:8080/", "--origin", "https://a.example", "--method", "TRACE"], mentions: "forbidden method")
        try Self.expectExit2(["http://127.0.0.1:8080/", "--origin", "https://a.example", "--cacert", "/nonexistent/ca.pem"], mentions: "no such readable file")
    }

    @Test func unreachableHost() async throws {
        let port = try await closedLoopbackPort()
        try Self.expectExit2(["http://127.0.0.1:\(port)/x", "--origin", "https://app.example.com"], mentions: "127.0.0.1")
        try Self.expectExit2(["http://host-that-does-not-exist.invalid/x", "--origin", "https://app.example.com"], mentions: "host-that-does-not-exist.invalid")
    }

    @Test func tlsFailure() throws {
        let backend = try PythonTLSBackend()
        defer { backend.stop() }
        let url = "https://127.0.0.1:\(backend.port)/x"
        // A self-signed certificate the system store does not trust.
        try Self.expectExit2([url, "--origin", "https://app.example.com"], mentions: "--cacert")
        // Trusting it, the server answers (without CORS headers: blocked, exit 1, not 2).
        let trusted = try GatewayExecutable.run(["probe", url, "--origin", "https://app.example.com", "--cacert", backend.certificatePath])
        #expect(trusted.status == 1, "\(trusted.stdout)\(trusted.stderr)")
        #expect(trusted.stdout.contains("No 'Access-Control-Allow-Origin' header is present"), "\(trusted.stdout)")
    }
}
