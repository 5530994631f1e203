import GatewayTestSupport
import Testing

/// SPEC §11 regressions for path and host confusion (issue 13, defects 8 and 9), over real
/// sockets through an in-process gateway and libcurl. Each test that is not about the new
/// `limits.encodedSlashes` key reproduces what af79622 did: requests were routed on the path
/// as written (`/pub/../secret` by `/pub`'s rules, `/api/v1/../../x` climbing out of the
/// backend's base path) and a Host was never checked beyond its count.
@Suite("Hostile paths and hosts (SPEC §11)", .serialized)
struct HostilePathAndHostTests {
    static let allowedOrigin = "https://app.example.com"

    /// Routes whose rules differ in what the backend sees: `X-Route` names the route that
    /// forwarded a request; `secret` admits only Host admin.internal; `api` strips its prefix
    /// onto the backend's base path `/echo/base`; `cors` answers preflights at the edge.
    static func config(backendURL: String, limits: String) -> String {
        func route(_ name: String, _ match: String, backend: String = "b", _ extra: String = "") -> String {
            #"{ "name": "\#(name)", "match": { \#(match) }, "backend": "\#(backend)", "headers": { "request": { "set": { "X-Route": "\#(name)" } } }\#(extra) }"#
        }
        return """
            {
              "listen": ["127.0.0.1:0"], "admin": "127.0.0.1:0",
              "limits": { \(limits) },
              "backends": { "b": { "url": "\(backendURL)" }, "based": { "url": "\(backendURL)/echo/base" } },
              "routes": [
                \(route("secret", #""pathPrefix": "/secret", "hosts": ["admin.internal"]"#)),
                \(route("api", #""pathPrefix": "/api""#, backend: "based", #", "rewrite": { "stripPrefix": "/api" }"#)),
                \(route("cors", #""pathPrefix": "/cors""#, #", "cors": { "allowOrigins": ["\#(allowedOrigin)"], "allowMethods": ["GET", "POST"] }"#)),
                \(route("echo", #""pathPrefix": "/echo""#)),
                \(route("pub", #""pathPrefix": "/pub""#))
              ]
            }
            """
    }

    static func withHostileGateway(limits: String = "", _ body: (GatewayHarness, TestBackend) async throws -> Void) async throws {
        try await withGateway(config: { Self.config(backendURL: $0, limits: limits) }, body)
    }

    static func errorCode(_ response: RawResponse) -> String? {
        try? UpstreamFailureTests.errorBody(response).error
    }

    static func preflight(port: Int, path: String, host: String? = nil) throws -> RawResponse {
        var headers = [("Origin", allowedOrigin), ("Access-Control-Request-Method", "POST")]
        if let host { headers.insert(("Host", host), at: 0) }
        return try RawHTTPClient.request(port: port, method: "OPTIONS", path: path, headers: headers)
    }

    // MARK: Defect 8: paths

    /// At af79622 `pub` forwarded these as written, and the backend (which routes `/echo` only)
    /// answered 404.
    @Test(arguments: ["/pub/../echo/x?q=1", "/pub/%2e%2E/echo/x?q=1", "/pub/x/.%2e/./../echo/x?q=1"])
    func dotSegmentsAreRoutedAndForwardedResolved(path: String) async throws {
        try await Self.withHostileGateway { gateway, backend in
            let response = try RawHTTPClient.request(port: gateway.port, path: path)
            #expect(response.status == 200)
            #expect(backend.requests.map(\.uri) == ["/echo/x?q=1"])
            #expect(backend.requests.first?.values(of: "x-route") == ["echo"])
            #expect(await gateway.eventually { gateway.accessLog.entries.count == 1 })
            #expect(gateway.accessLog.entries.first?["path"] == String(path.prefix { $0 != "?" }), "the log keeps the path as received")
        }
    }

    /// `secret` admits only Host admin.internal. At af79622 `pub` forwarded `/pub/../secret/x`
    /// to the backend, whose own path handling would have served `/secret/x`.
    @Test(arguments: ["/pub/../secret/x", "/pub/%2e%2e/secret/x"])
    func dotSegmentsCannotSkipTheHostRulesOfTheRouteTheyReach(path: String) async throws {
        try await Self.withHostileGateway { gateway, backend in
            let response = try RawHTTPClient.request(port: gateway.port, path: path)
            #expect(response.status == 404)
            #expect(Self.errorCode(response) == "no_route")
            #expect(backend.requests.isEmpty, "backend saw \(backend.requests.map(\.uri))")
        }
    }

    /// At af79622 `api` forwarded `/echo/base/v1/../../admin`: out of the backend's base path.
    /// Normalised, it is `/admin`, which no route serves.
    @Test func dotSegmentsCannotClimbOutOfTheBackendBasePath() async throws {
        try await Self.withHostileGateway { gateway, backend in
            let escaping = try RawHTTPClient.request(port: gateway.port, path: "/api/v1/../../admin")
            #expect(escaping.status == 404)
            #expect(Self.errorCode(escaping) == "no_route")
            #expect(backend.requests.isEmpty, "backend saw \(backend.requests.map(\.uri))")

            let inside = try RawHTTPClient.request(port: gateway.port, path: "/api/v1/../x")
            #expect(inside.status == 200)
            #expect(backend.requests.map(\.uri) == ["/echo/base/x"])
        }
    }

    /// At af79622 each of these was forwarded, and the backend answered 404.
    @Test(arguments: ["/pub/../../secret/x", "/%2e%2e/pub/x", "/api/../../echo/x", "/pub/a%2Fb", "/pub/..%2fsecret", "/pub/..%5Csecret"])
    func climbsAboveTheRootAndEncodedSlashesAre400(path: String) async throws {
        try await Self.withHostileGateway { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.sendRequest(path: path)
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(Self.errorCode(response) == "bad_request")
            #expect(try client.isClosedByPeer(within: .seconds(2)))
            #expect(backend.requests.isEmpty, "backend saw \(backend.requests.map(\.uri))")
        }
    }

    @Test func encodedSlashesKeptWhenConfiguredAreNeverSeparators() async throws {
        try await Self.withHostileGateway(limits: #""encodedSlashes": "keep""#) { gateway, backend in
            // ".." removes the whole segment "a%2Fb"; "..%2F.." is a name, not two dot-segments.
            let removed = try RawHTTPClient.request(port: gateway.port, path: "/echo/a%2Fb/../c%5C")
            let kept = try RawHTTPClient.request(port: gateway.port, path: "/echo/x/..%2F..%2Fy")
            #expect((removed.status, kept.status) == (200, 200))
            #expect(backend.requests.map(\.uri) == ["/echo/c%5C", "/echo/x/..%2F..%2Fy"])
        }
    }

    /// Like every limit, a reloaded `encodedSlashes` applies to the next request; `/config` shows it.
    @Test func encodedSlashesFollowAReload() async throws {
        try await TestBackend.withStarted { backend in
            let config = ReloadConfig.pair(backend: backend.baseURL)
            let gateway = try ReloadingGateway.start(config, arguments: ["--no-watch-config"])
            let path = "/alpha/echo/a%2Fb"
            #expect(try RawHTTPClient.request(port: gateway.port, path: path).status == 400)
            var keeping = config
            keeping.limits = #""encodedSlashes": "keep""#
            try gateway.writeInPlace(keeping)
            #expect(try gateway.reloadThroughAdmin().report["settings"] as? [String] == ["limits"])
            #expect(try RawHTTPClient.request(port: gateway.port, path: path).status == 200)
            #expect(backend.requests.map(\.uri) == ["/echo/a%2Fb"])
            let limits = try gateway.configDocument()["limits"] as? [String: Any]
            #expect(limits?["encodedSlashes"] as? String == "keep")
            #expect(gateway.stop() == 0)
        }
    }

    /// At af79622 the fast lane routed `/pub/../cors/x` by `pub` (no CORS: forwarded to the
    /// backend) and answered `/cors/../pub/x` at the edge by `cors`.
    @Test func preflightsAreRoutedByTheNormalisedPath() async throws {
        try await Self.withHostileGateway { gateway, backend in
            let answered = try Self.preflight(port: gateway.port, path: "/pub/../cors/x")
            #expect(answered.status == 204)
            #expect(answered.header("access-control-allow-origin") == Self.allowedOrigin)
            #expect(backend.requests.isEmpty, "backend saw \(backend.requests.map(\.uri))")

            _ = try Self.preflight(port: gateway.port, path: "/cors/%2e%2e/pub/x")
            #expect(backend.requests.map(\.uri) == ["/pub/x"])
            #expect(backend.requests.first?.values(of: "x-route") == ["pub"])
        }
    }

    /// At af79622 the fast lane answered this 204 by the `cors` route's policy.
    @Test func aPreflightClimbingAboveTheRootIs400() async throws {
        try await Self.withHostileGateway { gateway, _ in
            let response = try Self.preflight(port: gateway.port, path: "/cors/../../cors/x")
            #expect(response.status == 400)
            #expect(Self.errorCode(response) == "bad_request")
        }
    }

    // MARK: Defect 9: Host

    /// At af79622 every one of these was forwarded (X-Forwarded-Host included) and answered 200.
    @Test(arguments: ["admin.internal:@evil.com", "x..example.com", "example.com:99999", "example.com:", "127.1", "[::1"])
    func anInvalidHostIs400AndNeverForwarded(host: String) async throws {
        try await Self.withHostileGateway { gateway, backend in
            let response = try RawHTTPClient.request(port: gateway.port, path: "/echo/x", headers: [("Host", host)])
            #expect(response.status == 400)
            #expect(Self.errorCode(response) == "bad_request")
            #expect(backend.requests.isEmpty, "backend saw \(backend.requests.map { $0.values(of: "x-forwarded-host") })")
        }
    }

    /// At af79622 the fast lane answered these 204.
    @Test(arguments: ["admin.internal:@evil.com", "x..example.com"])
    func aPreflightWithAnInvalidHostIs400(host: String) async throws {
        try await Self.withHostileGateway { gateway, _ in
            let response = try Self.preflight(port: gateway.port, path: "/cors/x", host: host)
            #expect(response.status == 400)
            #expect(Self.errorCode(response) == "bad_request")
            #expect(response.header("access-control-allow-origin") == nil)
        }
    }

    /// Valid Hosts keep working, also with the trailing whitespace llhttp leaves in a value.
    @Test(arguments: ["admin.internal", "ADMIN.internal:8443", "admin.internal.", "admin.internal \t"])
    func aValidHostStillSelectsItsRoute(host: String) async throws {
        try await Self.withHostileGateway { gateway, backend in
            let response = try RawHTTPClient.request(port: gateway.port, path: "/secret/x", headers: [("Host", host)])
            #expect(backend.requests.first?.values(of: "x-route") == ["secret"], "status \(response.status)")
        }
    }
}
