import CORSPolicy
import Testing

/// cors-anchors.md section C: one regression test per bug other gateways had, named after it.
@Suite("Known bugs of other gateways stay impossible")
struct KnownBugRegressionTests {
    static let app = ("Origin", "https://app.example.com")

    @Test("C1 Envoy #35873: Vary: Origin is sent (and merged) when ACAO depends on the origin")
    func envoyNeverSendsVaryOrigin() {
        let policy = compile(corsConfig { $0.allowOriginRegex = ["https://[a-z]+\\.test\\.com"] })
        let foo = policy.actualResponseHeaders(requestHeaders: [("Origin", "https://foo.test.com")], responseHeaders: [("Vary", "Accept-Encoding")])
        #expect(texts(foo) == ["Vary: Accept-Encoding, Origin", "Access-Control-Allow-Origin: https://foo.test.com"])
    }

    @Test("C2 Envoy #14233: a preflight with a refused origin is answered 403 at the edge, even with preflight: forward")
    func nonMatchingPreflightsReachBackend() {
        let policy = compile(corsConfig { $0.allowOrigins = ["https://app.example.com"]; $0.preflight = .forward })
        let decision = policy.preflight(requestHeaders: [("Origin", "https://evil.com"), ("Access-Control-Request-Method", "GET")])
        #expect(decision.status == 403)
        #expect(decision.rejection == .origin)
        #expect(texts(decision.headers) == [preflightVary])
    }

    @Test("C3 Envoy PR #33133: a refused origin's actual response gets no Access-Control-* at all")
    func nonMatchingActualResponsesTouched() {
        let policy = compile(corsConfig {
            $0.allowOrigins = ["https://app.example.com"]; $0.allowCredentials = true; $0.exposeHeaders = ["x-a"]
        })
        let result = policy.actualResponseHeaders(requestHeaders: [("Origin", "https://evil.com")], responseHeaders: [("X-Upstream", "1")])
        #expect(texts(result) == ["X-Upstream: 1", "Vary: Origin"])
    }

    @Test("C4 emissary #2455: precedence between gateway and backend CORS headers is explicit (override vs preserve)")
    func gatewayVsBackendPrecedence() {
        let backend: HeaderLines = [("Access-Control-Allow-Origin", "https://other.example"), ("Access-Control-Allow-Methods", "DELETE")]
        let override = compile(corsConfig { $0.allowOrigins = ["https://app.example.com"] })
        let preserve = compile(corsConfig { $0.allowOrigins = ["https://app.example.com"]; $0.backendHeaders = .preserve })
        let overridden = override.actualResponseHeaders(requestHeaders: [Self.app], responseHeaders: backend)
        let preserved = preserve.actualResponseHeaders(requestHeaders: [Self.app], responseHeaders: backend)
        #expect(texts(overridden) == ["Access-Control-Allow-Origin: https://app.example.com", "Vary: Origin"])
        #expect(texts(preserved) == ["Access-Control-Allow-Origin: https://other.example", "Access-Control-Allow-Methods: DELETE", "Vary: Origin"])
    }

    @Test("C5 ingress-nginx #2138: never two Access-Control-Allow-Origin lines")
    func duplicatedAllowOrigin() {
        let backend: HeaderLines = [("Access-Control-Allow-Origin", "https://app.example.com"), ("access-control-allow-origin", "*")]
        for mode in [CORSConfig.BackendHeaders.override, .preserve] {
            let policy = compile(corsConfig { $0.allowOrigins = ["https://app.example.com"]; $0.backendHeaders = mode })
            let result = policy.actualResponseHeaders(requestHeaders: [Self.app], responseHeaders: backend)
            let forwarded = policy.forwardedPreflightResponseHeaders(
                requestHeaders: [Self.app, ("Access-Control-Request-Method", "GET")], responseHeaders: backend)
            #expect(result.filter { $0.name.lowercased() == "access-control-allow-origin" }.count == 1)
            #expect(forwarded.filter { $0.name.lowercased() == "access-control-allow-origin" }.count == 1)
        }
    }

    @Test("C6 rs/cors #10: Vary: Origin on responses without an Origin and with a refused one")
    func varyOriginUnconditional() {
        let policy = compile(corsConfig { $0.allowOrigins = ["https://app.example.com"] })
        let none = policy.actualResponseHeaders(requestHeaders: [], responseHeaders: [])
        let refused = policy.actualResponseHeaders(requestHeaders: [("Origin", "https://evil.com")], responseHeaders: [])
        #expect(texts(none) == ["Vary: Origin"])
        #expect(texts(refused) == ["Vary: Origin"])
    }

    @Test("C7 rs/cors #55/#197: * with credentials never reflects an origin, and a partial glob matches nothing")
    func wildcardWithCredentialsReflects() {
        let star = compile(corsConfig { $0.allowOrigins = ["*"]; $0.allowCredentials = true })
        let result = star.actualResponseHeaders(requestHeaders: [("Origin", "https://evil.com")], responseHeaders: [])
        #expect(texts(result) == ["Access-Control-Allow-Origin: *"])
        let glob = compile(corsConfig { $0.allowOrigins = ["https://h*"]; $0.allowCredentials = true })
        #expect(!glob.originAllowed("https://hacker.com"))
        #expect(!glob.originAllowed("https://h"))
    }

    @Test("C8 rs/cors #184: Access-Control-Request-Headers split over several lines by a proxy")
    func splitRequestHeaderLines() {
        let policy = compile(corsConfig { $0.allowOrigins = ["https://app.example.com"]; $0.allowHeaders = ["content-type", "authorization"] })
        let decision = policy.preflight(requestHeaders: [
            Self.app, ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "authorization"), ("Access-Control-Request-Headers", "content-type"),
        ])
        #expect(decision.status == 204)
        #expect(decision.rejection == nil)
    }

    @Test("C9 traefik #6851/#13724: https://*.example.com matches subdomains (and only them)")
    func wildcardSubdomainOrigins() {
        let policy = compile(corsConfig { $0.allowOrigins = ["https://*.example.com"] })
        let matches = ["https://a.example.com", "https://a.b.example.com", "https://example.com", "https://aexample.com"].map(policy.originAllowed)
        #expect(matches == [true, true, false, false])
    }

    @Test("C10 Kong #2643: preflights are decided without credentials (auth cannot block them)")
    func authBlocksPreflights() {
        let policy = compile(corsConfig { $0.allowOrigins = ["https://app.example.com"]; $0.allowHeaders = ["authorization"]; $0.allowCredentials = true })
        let bare: HeaderLines = [Self.app, ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "authorization")]
        let withCredentials = bare + [("Authorization", "Bearer x"), ("Cookie", "s=1")]
        let first = policy.preflight(requestHeaders: bare)
        let second = policy.preflight(requestHeaders: withCredentials)
        #expect(first.status == 204)
        #expect(texts(first.headers) == texts(second.headers))
    }

    @Test("C11 Kong #3832 / GHSA-vhxv-fg4m-p2w8: origins are never matched unanchored")
    func unanchoredOriginMatching() {
        let policy = compile(corsConfig {
            $0.allowOrigins = ["http://my-site.com", "https://foo.com", "https://bar.com"]
            $0.allowOriginRegex = ["https://[a-z]+\\.partner\\.com"]
        })
        let results = ["http://my-site.com.evil", "https://barfoo.com", "https://foobar.com", "https://x.partner.com.evil.net", "https://evil.net#https://x.partner.com"]
            .map(policy.originAllowed)
        #expect(results == [false, false, false, false, false])
    }

    @Test("C12 tower-http #497 / Kong #4898: a real OPTIONS request is not swallowed as a preflight")
    func corsSwallowsRealOptions() {
        #expect(!CORSPolicy.isPreflight(method: "OPTIONS", requestHeaders: [("Origin", "https://a.test")]))
        #expect(!CORSPolicy.isPreflight(method: "OPTIONS", requestHeaders: [("Access-Control-Request-Method", "GET")]))
        #expect(CORSPolicy.isPreflight(method: "OPTIONS", requestHeaders: [("Origin", "https://a.test"), ("Access-Control-Request-Method", "GET")]))
    }

    @Test("C13 flask-cors CVE-2024-6221: private network access is refused unless enabled")
    func privateNetworkAllowedByDefault() {
        let policy = compile(corsConfig { $0.allowOrigins = ["https://app.example.com"] })
        let decision = policy.preflight(requestHeaders: [Self.app, ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Private-Network", "true")])
        #expect(decision.rejection == .privateNetwork)
        #expect(!decision.headers.contains { $0.name == "Access-Control-Allow-Private-Network" })
    }

    @Test("C14 tower-http #397/#598: inner Vary is kept, and cascading never duplicates tokens")
    func varyClobberedOrDuplicated() {
        let policy = compile(corsConfig { $0.allowOrigins = ["https://app.example.com"] })
        let once = policy.actualResponseHeaders(requestHeaders: [Self.app], responseHeaders: [("Vary", "accept-encoding")])
        let twice = policy.actualResponseHeaders(requestHeaders: [Self.app], responseHeaders: once)
        #expect(texts(once) == ["Vary: accept-encoding, Origin", "Access-Control-Allow-Origin: https://app.example.com"])
        #expect(texts(twice) == texts(once))
    }

    @Test("C15 tower-http #526: * in allowHeaders never covers authorization; listing it answers *, authorization")
    func wildcardHeadersCoverAuthorization() {
        let request: HeaderLines = [Self.app, ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "authorization")]
        let star = compile(corsConfig { $0.allowOrigins = ["https://app.example.com"]; $0.allowHeaders = ["*"] })
        let listed = compile(corsConfig { $0.allowOrigins = ["https://app.example.com"]; $0.allowHeaders = ["*", "Authorization"] })
        let refused = star.preflight(requestHeaders: request)
        let allowed = listed.preflight(requestHeaders: request)
        #expect(refused.rejection == .headers)
        #expect(allowed.rejection == nil)
        #expect(allowed.headers.first { $0.name == "Access-Control-Allow-Headers" }?.value == "*, authorization")
    }
}
