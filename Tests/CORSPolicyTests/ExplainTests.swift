import CORSPolicy
import Testing

/// `cors-gateway explain` text: stable, greppable, and exact about what goes on the wire.
@Suite("Explain")
struct ExplainTests {
    static let policy = compile(corsConfig {
        $0.allowOrigins = ["https://app.example.com", "https://*.example.org"]
        $0.allowMethods = ["GET", "POST", "PUT"]
        $0.allowHeaders = ["content-type"]
        $0.allowCredentials = true
    })

    @Test("allowed: the preflight answer and the actual headers, line by line")
    func allowed() {
        let explanation = CORSExplain.explain(policy: Self.policy, routeName: "api", method: "PUT", origin: "https://app.example.com", requestHeaderNames: ["Content-Type"])
        #expect(explanation.verdict == .allowed)
        #expect(explanation.preflightNeeded)
        #expect(explanation.render() == """
            route: api
            cors: enforce, preflight answer
            request: PUT from origin "https://app.example.com" with headers [Content-Type]
            preflight: yes, a browser sends one first (method PUT is not CORS-safelisted; header content-type is not CORS-safelisted)
            verdict: ALLOWED
            rule: origin "https://app.example.com" is listed in allowOrigins; method "PUT" is in allowMethods [GET, POST, PUT]; headers [content-type] are allowed by allowHeaders [content-type]
            checks:
              ok   origin "https://app.example.com" is listed in allowOrigins
              ok   method "PUT" is in allowMethods [GET, POST, PUT]
              ok   headers [content-type] are allowed by allowHeaders [content-type]
            preflight request:
              OPTIONS
              Origin: https://app.example.com
              Access-Control-Request-Method: PUT
              Access-Control-Request-Headers: content-type
            preflight response:
              HTTP/1.1 204 No Content
              Access-Control-Allow-Origin: https://app.example.com
              Access-Control-Allow-Credentials: true
              Access-Control-Allow-Methods: GET, POST, PUT
              Access-Control-Allow-Headers: content-type
              Access-Control-Max-Age: 600
              Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers
              Content-Length: 0
            actual response: CORS headers added to the backend's:
              Access-Control-Allow-Origin: https://app.example.com
              Access-Control-Allow-Credentials: true
              Vary: Origin

            """)
    }

    @Test("rejected by origin: the rule names the origin and the lists it missed")
    func rejectedByOrigin() {
        let explanation = CORSExplain.explain(policy: Self.policy, routeName: "api", method: "GET", origin: "https://evil.com", requestHeaderNames: [])
        #expect(explanation.verdict == .rejected(.origin))
        #expect(!explanation.preflightNeeded)
        #expect(explanation.render() == """
            route: api
            cors: enforce, preflight answer
            request: GET from origin "https://evil.com" with no extra headers
            preflight: no, GET with only CORS-safelisted headers goes out without one (a preflight would get the answer below)
            verdict: REJECTED by origin
            rule: origin "https://evil.com" is not in allowOrigins [https://app.example.com, https://*.example.org] and matches no wildcard or regex
            checks:
              FAIL origin "https://evil.com" is not in allowOrigins [https://app.example.com, https://*.example.org] and matches no wildcard or regex
            preflight request:
              OPTIONS
              Origin: https://evil.com
              Access-Control-Request-Method: GET
            preflight response:
              HTTP/1.1 403 Forbidden
              Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers
              Content-Length: 0
            actual response: origin not allowed, only:
              Vary: Origin

            """)
    }

    @Test("rejected by a header: sorted lowercase ACRH as a browser sends it, forbidden names noted")
    func rejectedByHeader() {
        let explanation = CORSExplain.explain(
            policy: Self.policy, routeName: "api", method: "POST", origin: "https://a.example.org",
            requestHeaderNames: ["X-Api-Key", "content-type", "Cookie", "accept", "x-api-key"])
        #expect(explanation.verdict == .rejected(.headers))
        #expect(explanation.requestedHeaders == ["content-type", "x-api-key"])
        #expect(explanation.render() == """
            route: api
            cors: enforce, preflight answer
            request: POST from origin "https://a.example.org" with headers [X-Api-Key, content-type, Cookie, accept, x-api-key]
            preflight: yes, a browser sends one first (header content-type is not CORS-safelisted; header x-api-key is not CORS-safelisted)
            verdict: REJECTED by headers
            rule: header "x-api-key" is not in allowHeaders [content-type]
            checks:
              ok   origin "https://a.example.org" matches allowOrigins entry "https://*.example.org"
              ok   method "POST" is in allowMethods [GET, POST, PUT]
              FAIL header "x-api-key" is not in allowHeaders [content-type]
            note: header cookie is forbidden by Fetch: a script cannot set it, so it is not in the preflight
            preflight request:
              OPTIONS
              Origin: https://a.example.org
              Access-Control-Request-Method: POST
              Access-Control-Request-Headers: content-type,x-api-key
            preflight response:
              HTTP/1.1 403 Forbidden
              Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers
              Content-Length: 0
            actual response: CORS headers added to the backend's:
              Access-Control-Allow-Origin: https://a.example.org
              Access-Control-Allow-Credentials: true
              Vary: Origin

            """)
    }

    @Test("CORS off, no route, report-only and forward are said so")
    func otherModes() {
        let off = CORSExplain.explain(policy: nil, routeName: "plain", method: "GET", origin: "https://a.com", requestHeaderNames: [])
        #expect(off.verdict == .corsOff)
        #expect(off.render().contains("cors: off (no CORS headers, no Vary; OPTIONS is forwarded like any request)\n"))
        let noRoute = CORSExplain.explain(policy: Self.policy, routeName: nil, method: "GET", origin: "https://app.example.com", requestHeaderNames: [])
        #expect(noRoute.verdict == .noRoute)
        #expect(noRoute.render().contains("cors: enforce (defaults.cors), preflight answer\n"))
        #expect(texts(noRoute.actualResponseHeaders) == [
            "Access-Control-Allow-Origin: https://app.example.com", "Access-Control-Allow-Credentials: true", "Vary: Origin",
        ])
        let reportOnly = compile(corsConfig { $0.allowOrigins = ["*"]; $0.mode = .reportOnly })
        let shadow = CORSExplain.explain(policy: reportOnly, routeName: "ro", method: "DELETE", origin: "https://x.test", requestHeaderNames: [])
        #expect(shadow.verdict == .rejected(.method))
        #expect(shadow.render().contains("forwarded to the backend unchanged (report-only); enforce would answer HTTP/1.1 403 Forbidden with:\n"))
        let forward = compile(corsConfig { $0.allowOrigins = ["*"]; $0.preflight = .forward; $0.allowMethods = ["DELETE"] })
        let forwarded = CORSExplain.explain(policy: forward, routeName: "fw", method: "DELETE", origin: "https://x.test", requestHeaderNames: [])
        #expect(forwarded.verdict == .allowed)
        #expect(texts(forwarded.preflightResponseHeaders) == [
            "Access-Control-Allow-Origin: *", "Access-Control-Allow-Methods: DELETE", "Access-Control-Max-Age: 600", preflightVary,
        ])
    }
}
