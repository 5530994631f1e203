import GatewayTestSupport
import Testing

/// SPEC §4 on the wire: exact header lines the gateway writes for preflights, actual requests,
/// rejections and its own errors, over real sockets and libcurl.
@Suite("CORS end to end", .serialized)
struct CORSEndToEndTests {
    static let origin = "https://app.example.com"
    static let policy = #""cors": { "allowOrigins": ["https://app.example.com", "https://*.example.org"], "allowMethods": ["GET", "PUT"], "allowHeaders": ["content-type", "x-custom"], "exposeHeaders": ["x-exposed"], "allowCredentials": true, "maxAge": 300 }"#

    static func preflight(_ port: Int, origin: String = origin, method: String = "PUT", headers: String? = nil) throws -> RawResponse {
        var lines = [("Origin", origin), ("Access-Control-Request-Method", method)]
        if let headers { lines.append(("Access-Control-Request-Headers", headers)) }
        return try RawHTTPClient.request(port: port, method: "OPTIONS", path: "/fn/echo", headers: lines)
    }

    /// Header lines without the ones that vary per request.
    static func stable(_ response: RawResponse) -> [String] {
        response.headers.filter { $0.0.lowercased() != "x-request-id" }.map { "\($0.0): \($0.1)" }
    }

    @Test func allowedPreflightIsAnsweredAtTheEdgeWithExactHeaders() async throws {
        try await withGateway(route: Self.policy) { gateway, backend in
            let response = try Self.preflight(gateway.port, headers: "Content-Type,X-CUSTOM")
            #expect(response.status == 204)
            #expect(Self.stable(response) == [
                "Access-Control-Allow-Origin: https://app.example.com",
                "Access-Control-Allow-Credentials: true",
                "Access-Control-Allow-Methods: GET, PUT",
                "Access-Control-Allow-Headers: content-type, x-custom",
                "Access-Control-Max-Age: 300",
                "Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
                "Content-Length: 0",
            ])
            #expect(response.values(of: "x-request-id").count == 1)
            #expect(backend.requests.isEmpty, "a preflight reached the backend")
        }
    }

    @Test(arguments: [
        ("https://evil.example", "PUT", nil as String?),
        ("https://app.example.com", "DELETE", nil),
        ("https://app.example.com", "put", nil),
        ("https://app.example.com", "PUT", "x-other"),
        ("https://APP.example.com", "PUT", nil),
        ("https://example.org", "PUT", nil),
    ])
    func rejectedPreflightIs403WithoutCORSHeaders(origin: String, method: String, headers: String?) async throws {
        try await withGateway(route: Self.policy) { gateway, backend in
            let response = try Self.preflight(gateway.port, origin: origin, method: method, headers: headers)
            #expect(response.status == 403)
            #expect(!response.headerNames.contains { $0.lowercased().hasPrefix("access-control-") })
            #expect(response.values(of: "vary") == ["Origin, Access-Control-Request-Method, Access-Control-Request-Headers"])
            #expect(response.body.isEmpty)
            #expect(backend.requests.isEmpty)
        }
    }

    @Test func actualResponseGetsCORSHeadersAndMergedVary() async throws {
        try await withGateway(route: Self.policy) { gateway, _ in
            let response = try RawHTTPClient.request(
                port: gateway.port, path: "/fn/headers?Vary=Accept-Encoding%2C%20origin&X-Exposed=1",
                headers: [("Origin", "https://a.b.example.org")]
            )
            #expect(response.status == 200)
            #expect(response.values(of: "access-control-allow-origin") == ["https://a.b.example.org"])
            #expect(response.values(of: "access-control-allow-credentials") == ["true"])
            #expect(response.values(of: "access-control-expose-headers") == ["x-exposed"])
            #expect(response.values(of: "vary") == ["Accept-Encoding, origin"])
        }
    }

    @Test func disallowedOrAbsentOriginGetsOnlyVary() async throws {
        try await withGateway(route: Self.policy) { gateway, _ in
            for headers in [[("Origin", "https://evil.example")], [("Origin", "null")], []] {
                let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/echo", headers: headers)
                #expect(response.status == 200)
                #expect(!response.headerNames.contains { $0.lowercased().hasPrefix("access-control-") })
                #expect(response.values(of: "vary") == ["Origin"])
            }
        }
    }

    @Test func backendCORSHeadersAreOverriddenNeverDuplicated() async throws {
        try await withGateway(route: Self.policy) { gateway, _ in
            let response = try RawHTTPClient.request(
                port: gateway.port,
                path: "/fn/headers?Access-Control-Allow-Origin=*&Access-Control-Allow-Methods=DELETE&Access-Control-Max-Age=9",
                headers: [("Origin", Self.origin)]
            )
            #expect(response.values(of: "access-control-allow-origin") == [Self.origin])
            #expect(response.values(of: "access-control-allow-methods").isEmpty)
            #expect(response.values(of: "access-control-max-age").isEmpty)
        }
    }

    @Test func preserveKeepsTheBackendsCORSHeaders() async throws {
        let preserve = Self.policy.replacingOccurrences(of: #""maxAge": 300"#, with: #""maxAge": 300, "backendHeaders": "preserve""#)
        try await withGateway(route: preserve) { gateway, _ in
            let own = try RawHTTPClient.request(
                port: gateway.port, path: "/fn/headers?Access-Control-Allow-Origin=https%3A%2F%2Fother.example",
                headers: [("Origin", Self.origin)]
            )
            #expect(own.values(of: "access-control-allow-origin") == ["https://other.example"])
            let none = try RawHTTPClient.request(port: gateway.port, path: "/fn/echo", headers: [("Origin", Self.origin)])
            #expect(none.values(of: "access-control-allow-origin") == [Self.origin])
        }
    }

    @Test func gatewayErrorsCarryCORSHeadersForAnAllowedOrigin() async throws {
        try await withGateway(limits: #""maxRequestBodyBytes": 10"#, backend: #""responseTimeoutMs": 200"#, route: Self.policy) { gateway, _ in
            let timeout = try RawHTTPClient.request(port: gateway.port, path: "/fn/silent", headers: [("Origin", Self.origin)])
            #expect(timeout.status == 504)
            #expect(timeout.values(of: "access-control-allow-origin") == [Self.origin])
            #expect(timeout.values(of: "vary") == ["Origin"])
            let tooLarge = try RawHTTPClient.request(
                port: gateway.port, method: "POST", path: "/fn/echo", headers: [("Origin", Self.origin)], body: Array(repeating: 1, count: 11)
            )
            #expect(tooLarge.status == 413)
            #expect(tooLarge.values(of: "access-control-allow-origin") == [Self.origin])
        }
        let closed = try await closedLoopbackPort()
        let gateway = try await GatewayHarness.start(
            config: TestConfig.single(backendURL: "http://127.0.0.1:\(closed)", route: Self.policy)
        )
        let unavailable = try RawHTTPClient.request(port: gateway.port, path: "/fn/x", headers: [("Origin", Self.origin)])
        try await gateway.shutdown()
        #expect(unavailable.status == 502)
        #expect(unavailable.values(of: "access-control-allow-origin") == [Self.origin])
    }

    @Test func reportOnlyForwardsPreflightsAndLeavesTheWireUntouched() async throws {
        let reportOnly = Self.policy.replacingOccurrences(of: #""maxAge": 300"#, with: #""maxAge": 300, "mode": "report-only""#)
        try await withGateway(route: reportOnly) { gateway, backend in
            let preflight = try Self.preflight(gateway.port, origin: "https://evil.example")
            #expect(preflight.status == 200, "the backend answers the forwarded preflight")
            #expect(backend.requests.last?.method == "OPTIONS")
            let actual = try RawHTTPClient.request(port: gateway.port, path: "/fn/echo", headers: [("Origin", Self.origin)])
            #expect(!actual.headerNames.contains { $0.lowercased().hasPrefix("access-control-") })
            #expect(actual.values(of: "vary").isEmpty)
        }
    }

    @Test func forwardModeSendsPassingPreflightsToTheBackend() async throws {
        let forward = Self.policy.replacingOccurrences(of: #""maxAge": 300"#, with: #""maxAge": 300, "preflight": "forward""#)
        try await withGateway(route: forward) { gateway, backend in
            let passing = try Self.preflight(gateway.port)
            #expect(passing.status == 200, "the backend's status is kept")
            #expect(backend.requests.count == 1)
            #expect(passing.values(of: "access-control-allow-origin") == [Self.origin])
            let failing = try Self.preflight(gateway.port, origin: "https://evil.example")
            #expect(failing.status == 403)
            #expect(backend.requests.count == 1, "a failing preflight is answered at the edge")
        }
    }

    @Test func routeWithoutCORSForwardsOptionsAndAddsNothing() async throws {
        try await withGateway { gateway, backend in
            let response = try Self.preflight(gateway.port)
            #expect(response.status == 200)
            #expect(backend.requests.last?.method == "OPTIONS")
            #expect(!response.headerNames.contains { $0.lowercased().hasPrefix("access-control-") })
            #expect(response.values(of: "vary").isEmpty)
        }
    }
}
