import Foundation
import GatewayTestSupport
import Testing

/// SPEC §5 and §6 on the wire: what function backends at each runtime handler version receive,
/// what the client gets back, and package.json edits taking effect while the gateway runs.
@Suite("Function backends", .serialized)
struct FunctionBackendTests {
    /// One route per backend kind, all to the same TestBackend: `/v120`, `/v212`, `/v113`,
    /// `/classic`, `/plain`.
    static func config(backendURL: String, extraBackend: String = "", extraRoute: String = "", cookies: String = "") -> String {
        let kinds: [(String, String)] = [
            ("v120", #""runtimeHandler": "1.2.0""#), ("v212", #""runtimeHandler": "2.1.2""#),
            ("v113", #""runtimeHandler": "1.1.3""#), ("classic", #""runtimeHandler": "classic""#), ("plain", ""),
        ]
        let backends = kinds.map { name, setting in
            #""\#(name)": { "url": "\#(backendURL)" \#(setting.isEmpty ? "" : ", " + setting) }"#
        } + (extraBackend.isEmpty ? [] : [extraBackend])
        let routes = kinds.map { name, _ in
            #"{ "name": "\#(name)", "match": { "pathPrefix": "/\#(name)" }, "backend": "\#(name)", "rewrite": { "stripPrefix": "/\#(name)" }, "headers": { "request": { "set": { "X-Route-Set": "1" } } } \#(cookies.isEmpty ? "" : ", " + cookies) }"#
        } + (extraRoute.isEmpty ? [] : [extraRoute])
        return """
            { "listen": ["127.0.0.1:0"], "backends": { \(backends.joined(separator: ", ")) },
              "routes": [ \(routes.joined(separator: ", ")) ] }
            """
    }

    static let clientHeaders: [(String, String)] = [
        ("Content-Type", "application/json"), ("Authorization", "Bearer t"), ("Cookie", "session=abc; theme=dark"),
        ("X-Twilio-Signature", "sig"), ("Referer", "https://app.example.com/"), ("Via", "1.1 cdn"),
        ("X-Real-IP", "6.6.6.6"), ("X-Forwarded-For", "6.6.6.6"), ("x-forwarded-proto", "https"), ("Forwarded", "for=x"),
        ("X-Accel-Buffering", "no"), ("I-Twilio-Idempotency-Token", "t"), ("i-t-debug", "1"), ("OT-Baggage", "b"),
        ("X-Amz-Date", "d"), ("x-amzn-trace-id", "t"), ("X-Custom", "one"), ("X-Custom", "two"), ("X-Request-Id", "rid-9"),
    ]

    func send(_ gateway: GatewayHarness, _ prefix: String) throws -> RawResponse {
        try RawHTTPClient.request(port: gateway.port, method: "POST", path: "/\(prefix)/echo", headers: Self.clientHeaders, body: Array("{}".utf8))
    }

    func received(_ backend: TestBackend) throws -> [(String, String)] {
        try #require(backend.requests.last).headers
    }

    @Test(arguments: ["v120", "v212"])
    func modernRuntimeReceivesEndToEndHeadersExceptRestrictedOnes(prefix: String) async throws {
        let backend = try await TestBackend.start()
        let gateway = try await GatewayHarness.start(config: Self.config(backendURL: backend.baseURL))
        let response = try send(gateway, prefix)
        #expect(response.status == 200)
        let lines = try received(backend).map { "\($0.0.lowercased()): \($0.1)" }
        #expect(lines == [
            "host: 127.0.0.1:\(backend.port)",
            "content-type: application/json",
            "authorization: Bearer t",
            "cookie: session=abc; theme=dark",
            "x-twilio-signature: sig",
            "x-custom: one",
            "x-custom: two",
            "x-request-id: rid-9",
            "x-route-set: 1",
            "content-length: 2",
        ])
        try await gateway.shutdown()
        try await backend.shutdown()
    }

    @Test(arguments: ["v113", "classic"])
    func classicRuntimeReceivesOnlyContentTypeAndRouteHeaders(prefix: String) async throws {
        let backend = try await TestBackend.start()
        let gateway = try await GatewayHarness.start(config: Self.config(backendURL: backend.baseURL))
        let response = try send(gateway, prefix)
        #expect(response.status == 200)
        #expect(response.header("x-request-id") == "rid-9", "the client still gets its request id")
        let lines = try received(backend).map { "\($0.0.lowercased()): \($0.1)" }
        #expect(lines == [
            "host: 127.0.0.1:\(backend.port)",
            "content-type: application/json",
            "x-route-set: 1",
            "content-length: 2",
        ])
        let stripped = try gateway.scrape().samples[.init("cors_gateway_headers_stripped_total", ["backend": prefix])]
        #expect(stripped == Double(Self.clientHeaders.count - 1), "all but Content-Type")
        try await gateway.shutdown()
        try await backend.shutdown()
    }

    @Test func credentialedRouteGivesCookiesSameSiteNone() async throws {
        let backend = try await TestBackend.start()
        let gateway = try await GatewayHarness.start(
            config: Self.config(backendURL: backend.baseURL, cookies: #""cors": { "allowOrigins": ["https://app.example.com"], "allowCredentials": true }"#)
        )
        let response = try RawHTTPClient.request(
            port: gateway.port, path: "/v212/headers?Set-Cookie=a%3D1&Set-Cookie=b%3D2%3B%20SameSite%3DLax",
            headers: [("Origin", "https://app.example.com")]
        )
        #expect(response.values(of: "set-cookie") == ["a=1; Secure; HttpOnly; SameSite=None", "b=2; Secure; HttpOnly; SameSite=Lax"])
        #expect(try gateway.scrape().samples[.init("cors_gateway_cookies_rewritten_total", ["route": "v212"])] == 2)
        try await gateway.shutdown()
        try await backend.shutdown()
    }

    @Test func plainBackendGetsForwardingHeaders() async throws {
        let backend = try await TestBackend.start()
        let gateway = try await GatewayHarness.start(config: Self.config(backendURL: backend.baseURL))
        _ = try send(gateway, "plain")
        let request = try #require(backend.requests.last)
        #expect(request.values(of: "x-forwarded-for") == ["127.0.0.1"])
        #expect(request.values(of: "referer") == ["https://app.example.com/"])
        #expect(request.values(of: "cookie") == ["session=abc; theme=dark"])
        try await gateway.shutdown()
        try await backend.shutdown()
    }

    @Test func setCookieIsRemovedForClassicAndRewrittenForModern() async throws {
        let backend = try await TestBackend.start()
        let gateway = try await GatewayHarness.start(config: Self.config(backendURL: backend.baseURL))
        let path = "/headers?Set-Cookie=a%3D1&Set-Cookie=b%3D2%3B%20Domain%3Dexample.com&X-Other=kept"
        let classic = try RawHTTPClient.request(port: gateway.port, path: "/classic" + path)
        #expect(classic.values(of: "set-cookie").isEmpty)
        #expect(classic.values(of: "x-other") == ["kept"])
        let modern = try RawHTTPClient.request(port: gateway.port, path: "/v212" + path)
        let cookies = modern.values(of: "set-cookie")
        #expect(cookies.count == 2, "several cookies stay several lines: \(cookies)")
        #expect(cookies.allSatisfy { $0.contains("Secure") && $0.contains("HttpOnly") })
        #expect(!cookies.contains { $0.lowercased().contains("domain=") }, "Domain is stripped by default")
        try await gateway.shutdown()
        try await backend.shutdown()
    }

    @Test func cookieForwardFilterKeepsListedNamesInOrder() async throws {
        let backend = try await TestBackend.start()
        let gateway = try await GatewayHarness.start(
            config: Self.config(backendURL: backend.baseURL, cookies: #""cookies": { "forward": ["theme", "session"] }"#)
        )
        _ = try RawHTTPClient.request(
            port: gateway.port, path: "/v212/echo", headers: [("Cookie", "session=abc; tracking=x"), ("Cookie", "theme=dark")]
        )
        #expect(backend.requests.last?.values(of: "cookie") == ["session=abc; theme=dark"])
        try await gateway.shutdown()
        try await backend.shutdown()
    }

    @Test func overlongCookieIsRejectedWith502InRejectMode() async throws {
        let backend = try await TestBackend.start()
        let gateway = try await GatewayHarness.start(
            config: Self.config(backendURL: backend.baseURL, cookies: #""cookies": { "maxAge": 60, "overMaxAge": "reject" }"#)
        )
        let response = try RawHTTPClient.request(port: gateway.port, path: "/v212/headers?Set-Cookie=a%3D1%3B%20Max-Age%3D999999")
        #expect(response.status == 502)
        #expect(try UpstreamFailureTests.errorBody(response).error == "cookie_rejected")
        try await gateway.shutdown()
        try await backend.shutdown()
    }

    /// A package.json edited while the gateway runs changes the stripping without a restart; a
    /// broken edit keeps the previous behaviour and is reported.
    @Test func packageJsonEditsApplyLiveAndBrokenEditsKeepTheLastGoodVersion() async throws {
        let backend = try await TestBackend.start()
        let file = try temporaryFile(#"{ "dependencies": { "@twilio/runtime-handler": "1.1.3" } }"#, name: "package.json")
        let config = Self.config(
            backendURL: backend.baseURL,
            extraBackend: #""pkg": { "url": "\#(backend.baseURL)", "packageJson": "\#(file.path)" }"#,
            extraRoute: #"{ "name": "pkg", "match": { "pathPrefix": "/pkg" }, "backend": "pkg", "rewrite": { "stripPrefix": "/pkg" } }"#
        )
        let gateway = try await GatewayHarness.start(config: config)
        func authorizationReachesBackend() throws -> Bool {
            _ = try RawHTTPClient.request(port: gateway.port, path: "/pkg/echo", headers: [("Authorization", "Bearer t")])
            return backend.requests.last?.values(of: "authorization") == ["Bearer t"]
        }
        #expect(try !authorizationReachesBackend(), "1.1.3 sees no headers")

        try Data(#"{ "dependencies": { "@twilio/runtime-handler": "1.2.0" } }"#.utf8).write(to: file)
        #expect(await gateway.eventually(.seconds(5)) { (try? authorizationReachesBackend()) == true }, "1.2.0 sees headers")

        try Data(#"{ "dependencies": { "@twilio/runtime-handler": "^1.1.0" } }"#.utf8).write(to: file)
        #expect(await gateway.eventually(.seconds(5)) { !gateway.runtimes.problems.isEmpty }, "the broken edit is reported")
        #expect(try authorizationReachesBackend(), "a broken edit keeps the last good version")
        #expect(gateway.runtimes.problems["pkg"]?.contains("runtime-handler") == true)
        try await gateway.shutdown()
        try await backend.shutdown()
    }
}
