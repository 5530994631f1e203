import Foundation
import GatewayTestSupport
import Testing

/// SPEC §4 decided by a real browser: headless Chromium loads a page from one loopback origin
/// and `fetch`es the gateway on another; what the page can read is what a browser app can read.
/// See ``BrowserEnvironment`` for the routes.
@Suite(.serialized)
struct BrowserCORSTests {
    // MARK: harness sanity (independent of the gateway's CORS engine)

    /// The backend's own CORS headers reach the browser on a route without `cors`, and a
    /// response without them is blocked: the browser really enforces CORS, and the harness
    /// (page origin, gateway, result reporting, header reads, credentials, preflights) sees
    /// every outcome the SPEC tests below depend on. Independent of the gateway's CORS engine.
    @Test func harnessSanityBackendCORSHeadersReachTheBrowserOnACORSLessRoute() async throws {
        try await BrowserEnvironment.with { env in
            let origin = env.pageOrigin.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let allow = "Access-Control-Allow-Origin=\(origin)"
            let results = try await env.run([
                env.scenario(
                    "backend-acao", "/raw/headers?\(allow)&Access-Control-Expose-Headers=x-exposed&X-Exposed=yes&X-Hidden=no",
                    read: ["x-exposed", "x-hidden"]),
                env.scenario("no-acao", "/raw/echo/sanity"),
                env.scenario(
                    "backend-credentials", "/raw/headers?\(allow)&Access-Control-Allow-Credentials=true", credentials: "include"),
                env.scenario("backend-no-credentials", "/raw/headers?\(allow)", credentials: "include"),
                // The backend answers the preflight OPTIONS and the PUT alike (same query).
                env.scenario(
                    "backend-preflight",
                    "/raw/headers?\(allow)&Access-Control-Allow-Methods=PUT&Access-Control-Allow-Headers=content-type%2Cx-custom",
                    method: "PUT", headers: [("Content-Type", "application/json"), ("X-Custom", "1")], body: "{}"),
            ])
            let allowed = try #require(results["backend-acao"])
            #expect(allowed.isReadable && allowed.status == 200,
                    "a backend-sent Access-Control-Allow-Origin for the page origin must make the response readable: \(allowed)")
            #expect(allowed.header("x-exposed") == "yes",
                    "a header listed in the backend's Access-Control-Expose-Headers must be visible: \(allowed)")
            #expect(allowed.header("x-hidden") == nil,
                    "an unexposed response header must stay hidden from the page: \(allowed)")
            let blocked = try #require(results["no-acao"])
            #expect(blocked.isBlockedByCORS,
                    "a cross-origin response without Access-Control-Allow-Origin must be blocked (TypeError): \(blocked)")
            let credentialed = try #require(results["backend-credentials"])
            #expect(credentialed.isReadable,
                    "credentials: 'include' with Access-Control-Allow-Credentials: true must be readable: \(credentialed)")
            let uncredentialed = try #require(results["backend-no-credentials"])
            #expect(uncredentialed.isBlockedByCORS,
                    "credentials: 'include' without Access-Control-Allow-Credentials must be blocked: \(uncredentialed)")
            let preflighted = try #require(results["backend-preflight"])
            #expect(preflighted.isReadable && preflighted.status == 200,
                    "a PUT whose preflight the backend allows must be readable: \(preflighted)")
            let methods = env.backend.requests.filter { $0.uri.hasPrefix("/headers?") && $0.uri.contains("Allow-Methods") }.map(\.method)
            #expect(methods == ["OPTIONS", "PUT"],
                    "on a CORS-less route the browser's preflight reaches the backend, then the PUT: \(methods)")
        }
    }

    // MARK: SPEC §4 outcomes

    /// 1. An allowed origin's simple GET is readable.
    @Test func allowedSimpleGETIsReadable() async throws {
        try await BrowserEnvironment.with { env in
            let results = try await env.run([env.scenario("simple-get", "/open/echo/simple")])
            let result = try #require(results["simple-get"])
            #expect(result.isReadable && result.status == 200,
                    "GET /open/echo from the allowed origin must be readable with status 200: \(result)")
            let report = try? EchoReport(json: Array((result.body ?? "").utf8))
            #expect(report?.method == "GET" && report?.uri == "/echo/simple",
                    "the page must read the backend's echo JSON: \(result)")
        }
    }

    /// 2. The same GET from a disallowed origin (`localhost` instead of `127.0.0.1`) is blocked.
    @Test func disallowedOriginIsBlocked() async throws {
        try await BrowserEnvironment.with { env in
            let origin = env.otherOrigin.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let results = try await env.run(
                [
                    // Control: the disallowed page does reach the gateway and can read a response
                    // that allows it, so "blocked" below is CORS and not a broken page.
                    env.scenario("control", "/raw/headers?Access-Control-Allow-Origin=\(origin)"),
                    env.scenario("simple-get", "/open/echo/simple"),
                ],
                pageHost: "localhost")
            let control = try #require(results["control"])
            #expect(control.isReadable && control.status == 200,
                    "control: the localhost page must reach the gateway: \(control)")
            let result = try #require(results["simple-get"])
            #expect(result.isBlockedByCORS,
                    "GET /open/echo from the disallowed origin \(env.otherOrigin) must be blocked (TypeError): \(result)")
            #expect(env.backend.requests.contains { $0.uri == "/echo/simple" },
                    "the actual request still reaches the backend; only the browser hides the response")
        }
    }

    /// 3. A PUT with JSON and an allowed custom header passes the preflight, which the edge
    /// answers: the backend sees the PUT and never an OPTIONS.
    @Test func preflightedPUTPassesAndIsAnsweredAtTheEdge() async throws {
        try await BrowserEnvironment.with { env in
            let results = try await env.run([
                env.scenario(
                    "put-allowed", "/open/echo/put", method: "PUT",
                    headers: [("Content-Type", "application/json"), ("X-Custom", "1")], body: #"{"a":1}"#)
            ])
            let result = try #require(results["put-allowed"])
            #expect(result.isReadable && result.status == 200,
                    "PUT with Content-Type: application/json and X-Custom must pass the preflight and be readable: \(result)")
            let requests = env.backend.requests
            let options = requests.filter { $0.method == "OPTIONS" }
            #expect(options.isEmpty,
                    "the preflight must be answered at the edge, never forwarded; the backend saw: \(options.map { "\($0.method) \($0.uri)" })")
            let put = requests.first { $0.method == "PUT" && $0.uri == "/echo/put" }
            #expect(put?.values(of: "x-custom") == ["1"],
                    "the PUT must reach the backend with X-Custom: 1; the backend saw: \(requests.map { "\($0.method) \($0.uri)" })")
        }
    }

    /// 4. A request header outside allowHeaders fails the preflight: blocked, and the PUT is never sent.
    @Test func disallowedRequestHeaderIsBlocked() async throws {
        try await BrowserEnvironment.with { env in
            let results = try await env.run([
                env.scenario("put-other-header", "/open/echo/put-other", method: "PUT", headers: [("X-Other", "1")], body: "x")
            ])
            let result = try #require(results["put-other-header"])
            #expect(result.isBlockedByCORS, "PUT with X-Other (not in allowHeaders) must be blocked (TypeError): \(result)")
            #expect(!env.backend.requests.contains { $0.method == "PUT" },
                    "a failed preflight means the browser never sends the PUT")
        }
    }

    /// 5. `credentials: 'include'` is readable only on the route that allows credentials.
    @Test func credentialedFetchIsReadableOnlyWhereCredentialsAreAllowed() async throws {
        try await BrowserEnvironment.with { env in
            let results = try await env.run([
                env.scenario("creds-route", "/creds/echo/with-credentials", credentials: "include"),
                env.scenario("open-route", "/open/echo/with-credentials", credentials: "include"),
            ])
            let allowed = try #require(results["creds-route"])
            #expect(allowed.isReadable && allowed.status == 200,
                    "credentials: 'include' to /creds (allowCredentials: true) must be readable: \(allowed)")
            let blocked = try #require(results["open-route"])
            #expect(blocked.isBlockedByCORS,
                    "credentials: 'include' to /open (no allowCredentials) must be blocked (TypeError): \(blocked)")
        }
    }

    /// 6. exposeHeaders decides which response headers the page can read.
    @Test func onlyExposedHeadersAreVisible() async throws {
        try await BrowserEnvironment.with { env in
            let results = try await env.run([
                env.scenario("expose", "/open/headers?X-Exposed=yes&X-Hidden=no", read: ["x-exposed", "x-hidden"])
            ])
            let result = try #require(results["expose"])
            #expect(result.isReadable && result.status == 200, "the response must be readable: \(result)")
            #expect(result.header("x-exposed") == "yes", "x-exposed is in exposeHeaders: headers.get must return it: \(result)")
            #expect(result.header("x-hidden") == nil, "x-hidden is not exposed: headers.get must return null: \(result)")
        }
    }

    /// 7. A gateway-generated 502 on a CORS route is readable by an allowed origin.
    @Test func gatewayErrorIsReadable() async throws {
        try await BrowserEnvironment.with { env in
            let results = try await env.run([env.scenario("bad-gateway", "/down/anything")])
            let result = try #require(results["bad-gateway"])
            #expect(result.isReadable && result.status == 502,
                    "the gateway's 502 for an unreachable backend must be readable with status 502: \(result)")
            let object = (result.body?.data(using: .utf8)).flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any]
            #expect(object?["error"] as? String == "upstream_unavailable",
                    "the page must read the JSON error body with error upstream_unavailable: \(result)")
        }
    }
}
