import Foundation
import GatewayTestSupport
import Testing

/// SPEC §12 decided by a real browser: headless Chromium on a page at `http://127.0.0.1:PAGEPORT`
/// calls a function through the gateway's TLS listener at `https://api.test:PORT` (another site),
/// negotiates HTTP/2, and a `Secure; SameSite=None` cookie the function sets comes back on the
/// next credentialed fetch. See ``HTTPSBrowserEnvironment`` for the routes.
@Suite(.serialized)
struct BrowserHTTPSTests {
    /// With the browser's default settings, which block third-party cookies, the route's
    /// `partitioned: true` makes the cookie a CHIPS cookie the browser keeps for this page's site:
    /// signing in sets it, the next credentialed fetch sends it, a fetch without credentials does
    /// not, and a preflighted PUT carries it too, all over h2. The edge answers the preflight, and
    /// a credentialed fetch to a route without `allowCredentials` stays unreadable.
    @Test func partitionedSameSiteNoneCookieRoundTripsOverHTTP2() async throws {
        try await HTTPSBrowserEnvironment.with { env in
            let token = UUID().uuidString.replacingOccurrences(of: "-", with: "")
            let results = try await env.run([
                env.scenario("sign-in", "/session/sign-in?setCookie=session%3D\(token)"),
                env.scenario("whoami", "/session/whoami"),
                env.scenario("whoami-without-credentials", "/session/whoami", credentials: "omit"),
                env.scenario(
                    "put", "/session/profile", method: "PUT", headers: [("Content-Type", "application/json")],
                    body: #"{"name":"ada"}"#),
                env.scenario("public-with-credentials", "/public/whoami"),
            ])

            for name in ["sign-in", "whoami", "whoami-without-credentials", "put"] {
                let result = try #require(results[name])
                #expect(result.isReadable && result.status == 200,
                        "\(name): the credentialed route allows the page origin with credentials, so the page must read a 200: \(result)")
                #expect(result.nextHopProtocol == "h2",
                        "\(name): Chromium must reach the TLS listener over HTTP/2 (ALPN h2), per the page's resource timing: \(result)")
            }

            let signIn = try functionAnswer(results, "sign-in")
            #expect(signIn.cookies["session"] == nil, "sign-in: the browser has no cookie before the function sets one: \(signIn.cookies)")

            let whoami = try functionAnswer(results, "whoami")
            #expect(whoami.cookies["session"] == token,
                    "whoami: the cookie the function set through the gateway must come back with credentials: 'include': \(whoami.cookies)")

            let anonymous = try functionAnswer(results, "whoami-without-credentials")
            #expect(anonymous.cookies["session"] == nil,
                    "whoami-without-credentials: credentials: 'omit' must send no cookie, so the one above came from the browser's jar: \(anonymous.cookies)")

            let put = try functionAnswer(results, "put")
            #expect(put.method == "PUT" && put.cookies["session"] == token,
                    "put: the preflighted PUT must reach the function with the cookie: \(put.method) \(put.cookies)")

            let blocked = try #require(results["public-with-credentials"])
            #expect(blocked.isBlockedByCORS,
                    "public-with-credentials: a credentialed fetch to a route without allowCredentials must be blocked (TypeError): \(blocked)")

            let log = env.gateway.accessLog.entries
            let preflight = log.filter { $0["method"] == "OPTIONS" && $0["path"] == "/session/profile" }
            #expect(preflight.count == 1 && preflight.allSatisfy {
                $0["protocol"] == "HTTP/2" && $0["status"] == "204" && $0["cors"] == "preflight-allowed" && $0["upstream_ms"] == nil
            }, "the browser's preflight must arrive over HTTP/2 and be answered at the edge (204, never forwarded): \(preflight.map(\.metadata))")
            let forwarded = log.filter { $0["route"] == "session" && $0["method"] != "OPTIONS" }
            #expect(forwarded.count == 4 && forwarded.allSatisfy { $0["protocol"] == "HTTP/2" },
                    "the gateway's access log must record the four /session requests as HTTP/2: \(forwarded.map(\.metadata))")
        }
    }

    /// With third-party cookies allowed in the browser, the default cookie policy's
    /// `SameSite=None` on a credentialed route is what lets an unpartitioned cookie come back
    /// cross-site: the same function's cookie made `SameSite=Lax` by a route's policy never does.
    @Test func sameSiteNoneIsWhatBringsAThirdPartyCookieBack() async throws {
        try await HTTPSBrowserEnvironment.with { env in
            let token = UUID().uuidString.replacingOccurrences(of: "-", with: "")
            let results = try await env.run(
                [
                    env.scenario("shared-sign-in", "/shared/sign-in?setCookie=shared%3D\(token)"),
                    env.scenario("lax-sign-in", "/lax/sign-in?setCookie=lax%3D\(token)"),
                    env.scenario("whoami", "/shared/whoami"),
                ],
                allowThirdPartyCookies: true)

            for name in ["shared-sign-in", "lax-sign-in", "whoami"] {
                let result = try #require(results[name])
                #expect(result.isReadable && result.status == 200 && result.nextHopProtocol == "h2",
                        "\(name): a readable 200 over h2 expected: \(result)")
            }
            let whoami = try functionAnswer(results, "whoami")
            #expect(whoami.cookies["shared"] == token,
                    "the SameSite=None cookie the gateway's default policy wrote must come back cross-site: \(whoami.cookies)")
            #expect(whoami.cookies["lax"] == nil,
                    "a SameSite=Lax cookie must never come back on a cross-site fetch; if it did, the browser would not be telling SameSite apart and the line above would prove nothing: \(whoami.cookies)")
        }
    }
}

/// The demo function's answer to scenario `name`; fails the test when there is none.
private func functionAnswer(
    _ results: [String: ScenarioResult], _ name: String, sourceLocation: SourceLocation = #_sourceLocation
) throws -> FunctionAnswer {
    let result = try #require(results[name], "\(name): no result", sourceLocation: sourceLocation)
    return try #require(FunctionAnswer(result), "\(name): not a demo function's answer: \(result)", sourceLocation: sourceLocation)
}
