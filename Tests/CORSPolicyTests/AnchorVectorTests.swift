import CORSPolicy
import Testing

/// The test vectors of cors-anchors.md section B, each translated to SPEC §4. Where the anchor
/// behaves differently, `ours` says what changed and why (the expected output is ours).
@Suite("cors-anchors.md section B vectors, under SPEC §4")
struct AnchorVectorTests {
    enum Kind: Sendable { case actual, preflight }

    struct Vector: Sendable, CustomTestStringConvertible {
        var id: String
        var config: CORSConfig
        var kind: Kind
        var request: [String]
        var response: [String] = []
        /// For preflights: the status; ignored for actual requests.
        var status: Int = 0
        var expected: [String]
        /// How SPEC §4 differs from the anchor, when it does.
        var ours: String = ""

        var testDescription: String { id }
    }

    static func c(_ configure: (inout CORSConfig) -> Void) -> CORSConfig { corsConfig(configure) }

    static let vectors: [Vector] = [
        Vector(id: "B1 rs NoConfig", config: c { _ in }, kind: .actual, request: [], expected: ["Vary: Origin"]),
        Vector(id: "B2 rs MatchAllOrigin", config: c { $0.allowOrigins = ["*"] }, kind: .actual,
               request: ["Origin: http://foobar.com"], expected: ["Access-Control-Allow-Origin: *"],
               ours: "no Vary: allowOrigins is exactly *"),
        Vector(id: "B3 rs MatchAllOriginWithCredentials", config: c { $0.allowOrigins = ["*"]; $0.allowCredentials = true }, kind: .actual,
               request: ["Origin: http://foobar.com"], expected: ["Access-Control-Allow-Origin: *"],
               ours: "a config error for check; the policy never pairs * with ACAC"),
        Vector(id: "B4 rs AllowedOrigin", config: c { $0.allowOrigins = ["http://foobar.com"] }, kind: .actual,
               request: ["Origin: http://foobar.com"], expected: ["Access-Control-Allow-Origin: http://foobar.com", "Vary: Origin"]),
        Vector(id: "B5 rs WildcardOrigin", config: c { $0.allowOrigins = ["http://*.bar.com"] }, kind: .actual,
               request: ["Origin: http://foo.bar.com"], expected: ["Access-Control-Allow-Origin: http://foo.bar.com", "Vary: Origin"]),
        Vector(id: "B6 rs DisallowedOrigin", config: c { $0.allowOrigins = ["http://foobar.com"] }, kind: .actual,
               request: ["Origin: http://barbaz.com"], expected: ["Vary: Origin"]),
        Vector(id: "B7 rs DisallowedWildcardOrigin", config: c { $0.allowOrigins = ["http://*.bar.com"] }, kind: .actual,
               request: ["Origin: http://foo.baz.com"], expected: ["Vary: Origin"]),
        Vector(id: "B9 rs MaxAge", config: c { $0.allowOrigins = ["http://example.com"]; $0.allowMethods = ["GET"]; $0.maxAge = 10 }, kind: .preflight,
               request: ["Origin: http://example.com", "Access-Control-Request-Method: GET"], status: 204,
               expected: ["Access-Control-Allow-Origin: http://example.com", "Access-Control-Allow-Methods: GET", "Access-Control-Max-Age: 10", preflightVary]),
        Vector(id: "B11 rs AllowedMethod", config: c { $0.allowOrigins = ["http://foobar.com"]; $0.allowMethods = ["PUT", "DELETE"] }, kind: .preflight,
               request: ["Origin: http://foobar.com", "Access-Control-Request-Method: PUT"], status: 204,
               expected: ["Access-Control-Allow-Origin: http://foobar.com", "Access-Control-Allow-Methods: PUT, DELETE", "Access-Control-Max-Age: 600", preflightVary],
               ours: "ACAM lists the configured methods, not just the requested one"),
        Vector(id: "B12 rs DisallowedMethod", config: c { $0.allowOrigins = ["http://foobar.com"]; $0.allowMethods = ["PUT", "DELETE"] }, kind: .preflight,
               request: ["Origin: http://foobar.com", "Access-Control-Request-Method: PATCH"], status: 403, expected: [preflightVary],
               ours: "403 instead of 204 with only Vary"),
        Vector(id: "B13 rs AllowedHeaders", config: c { $0.allowOrigins = ["http://foobar.com"]; $0.allowMethods = ["GET"]; $0.allowHeaders = ["X-Header-1", "x-header-2", "X-HEADER-3"] },
               kind: .preflight, request: ["Origin: http://foobar.com", "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: x-header-1,x-header-2"],
               status: 204, expected: ["Access-Control-Allow-Origin: http://foobar.com", "Access-Control-Allow-Methods: GET",
                                       "Access-Control-Allow-Headers: x-header-1, x-header-2, x-header-3", "Access-Control-Max-Age: 600", preflightVary],
               ours: "ACAH lists every configured name, lowercased, not the echoed request"),
        Vector(id: "B14 rs DefaultAllowedHeaders", config: c { $0.allowOrigins = ["http://foobar.com"]; $0.allowMethods = ["GET"] }, kind: .preflight,
               request: ["Origin: http://foobar.com", "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: x-requested-with"],
               status: 403, expected: [preflightVary], ours: "allowHeaders defaults to [], so x-requested-with is refused"),
        Vector(id: "B15 rs DisallowedHeader", config: c { $0.allowOrigins = ["http://foobar.com"]; $0.allowMethods = ["GET"]; $0.allowHeaders = ["X-Header-1", "x-header-2"] },
               kind: .preflight, request: ["Origin: http://foobar.com", "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: x-header-1,x-header-3"],
               status: 403, expected: [preflightVary], ours: "403 instead of 204 with only Vary"),
        Vector(id: "B16 rs ExposedHeader", config: c { $0.allowOrigins = ["http://foobar.com"]; $0.exposeHeaders = ["X-Header-1", "x-header-2"] }, kind: .actual,
               request: ["Origin: http://foobar.com"],
               expected: ["Access-Control-Allow-Origin: http://foobar.com", "Access-Control-Expose-Headers: X-Header-1, x-header-2", "Vary: Origin"],
               ours: "names keep their configured spelling (rs/cors canonicalises)"),
        Vector(id: "B17 rs AllowedPrivateNetwork", config: c { $0.allowOrigins = ["http://foobar.com"]; $0.allowMethods = ["GET"]; $0.allowPrivateNetwork = true },
               kind: .preflight, request: ["Origin: http://foobar.com", "Access-Control-Request-Method: GET", "Access-Control-Request-Private-Network: true"],
               status: 204, expected: ["Access-Control-Allow-Origin: http://foobar.com", "Access-Control-Allow-Methods: GET", "Access-Control-Max-Age: 600",
                                       "Access-Control-Allow-Private-Network: true", preflightVaryPNA]),
        Vector(id: "B19 rs NonPreflightOptions", config: c { $0.allowOrigins = ["http://foobar.com"] }, kind: .actual,
               request: ["Origin: http://foobar.com"], expected: ["Access-Control-Allow-Origin: http://foobar.com", "Vary: Origin"]),
        Vector(id: "B20 rs MultipleACRHHeaders", config: c { $0.allowOrigins = ["http://foobar.com"]; $0.allowMethods = ["GET"]; $0.allowHeaders = ["Content-Type", "Authorization"] },
               kind: .preflight, request: ["Origin: http://foobar.com", "Access-Control-Request-Method: GET",
                                           "Access-Control-Request-Headers: authorization", "Access-Control-Request-Headers: content-type"],
               status: 204, expected: ["Access-Control-Allow-Origin: http://foobar.com", "Access-Control-Allow-Methods: GET",
                                       "Access-Control-Allow-Headers: content-type, authorization", "Access-Control-Max-Age: 600", preflightVary],
               ours: "ACAH is the configured list, not the two echoed lines"),
        Vector(id: "B22 rs sortedset: unsorted, repeated, 2-byte OWS, empty elements", config: c { $0.allowOrigins = ["http://foobar.com"]; $0.allowMethods = ["GET"]; $0.allowHeaders = ["x-foo", "x-bar", "x-baz"] },
               kind: .preflight, request: ["Origin: http://foobar.com", "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: x-foo",
                                           "Access-Control-Request-Headers: x-bar,x-baz,x-baz  ,,,,,,,,,,,,,,,,,"],
               status: 204, expected: ["Access-Control-Allow-Origin: http://foobar.com", "Access-Control-Allow-Methods: GET",
                                       "Access-Control-Allow-Headers: x-foo, x-bar, x-baz", "Access-Control-Max-Age: 600", preflightVary],
               ours: "accepted: SPEC bounds names (64) and bytes (4 KiB), not order, repeats, OWS or empty elements"),
        Vector(id: "B23 rs InvalidMethodAbortion", config: c { $0.allowOrigins = ["http://example.com"]; $0.allowMethods = ["POST"]; $0.allowCredentials = true },
               kind: .actual, request: ["Origin: http://example.com"],
               expected: ["Access-Control-Allow-Origin: http://example.com", "Access-Control-Allow-Credentials: true", "Vary: Origin"],
               ours: "actual requests are judged by origin only (SPEC); the method is the route's business"),
        Vector(id: "B24 Envoy MatchingOriginByWildcard", config: c { $0.allowOrigins = ["*"]; $0.allowMethods = ["GET"]; $0.allowHeaders = ["content-type"] },
               kind: .preflight, request: ["Origin: test-host", "Access-Control-Request-Method: GET"], status: 403, expected: [preflightVary],
               ours: "\"test-host\" is not a serialized origin, so it matches nothing, not even *"),
        Vector(id: "B26 Envoy NotMatchingOrigin", config: c { $0.allowOrigins = ["http://localhost"] }, kind: .preflight,
               request: ["Origin: http://test-host", "Access-Control-Request-Method: GET"], status: 403, expected: [preflightVary],
               ours: "answered 403 at the edge, never forwarded"),
        Vector(id: "B28 Envoy AllowCredentialsTrue", config: c { $0.allowOrigins = ["http://localhost"]; $0.allowMethods = ["GET"]; $0.allowHeaders = ["content-type"]; $0.maxAge = 0; $0.allowCredentials = true },
               kind: .preflight, request: ["Origin: http://localhost", "Access-Control-Request-Method: GET"], status: 204,
               expected: ["Access-Control-Allow-Origin: http://localhost", "Access-Control-Allow-Credentials: true", "Access-Control-Allow-Methods: GET",
                          "Access-Control-Allow-Headers: content-type", "Access-Control-Max-Age: 0", preflightVary],
               ours: "204 and Vary instead of 200 without Vary"),
        Vector(id: "B29 Envoy EncodeWithExposeHeaders", config: c { $0.allowOrigins = ["http://localhost"]; $0.exposeHeaders = ["custom-header-1"] },
               kind: .actual, request: ["Origin: http://localhost"],
               expected: ["Access-Control-Allow-Origin: http://localhost", "Access-Control-Expose-Headers: custom-header-1", "Vary: Origin"]),
        Vector(id: "B30 Envoy EncodeWithNonMatchingOrigin", config: c { $0.allowOrigins = ["http://localhost"]; $0.allowCredentials = true },
               kind: .actual, request: ["Origin: http://test-host"], response: ["X-Upstream: 1"], expected: ["X-Upstream: 1", "Vary: Origin"]),
        Vector(id: "B31 Envoy NotMatchingOriginByRegex", config: c { $0.allowOriginRegex = ["https://.*\\.envoyproxy\\.io"] }, kind: .preflight,
               request: ["Origin: https://www.envoyproxy.com", "Access-Control-Request-Method: GET"], status: 403, expected: [preflightVary]),
        Vector(id: "B32 Envoy WildcardAllowMethods", config: c { $0.allowOrigins = ["https://a.test"]; $0.allowMethods = ["*"] }, kind: .preflight,
               request: ["Origin: https://a.test", "Access-Control-Request-Method: GET"], status: 204,
               expected: ["Access-Control-Allow-Origin: https://a.test", "Access-Control-Allow-Methods: *", "Access-Control-Max-Age: 600", preflightVary],
               ours: "* is sent literally (no credentials), not an echo of ACRM"),
        Vector(id: "B33 Envoy WildcardAllowHeaders", config: c { $0.allowOrigins = ["https://a.test"]; $0.allowHeaders = ["*"] }, kind: .preflight,
               request: ["Origin: https://a.test", "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: test,pre"], status: 204,
               expected: ["Access-Control-Allow-Origin: https://a.test", "Access-Control-Allow-Methods: GET, HEAD, POST", "Access-Control-Allow-Headers: *",
                          "Access-Control-Max-Age: 600", preflightVary],
               ours: "* is sent literally, never the raw ACRH"),
        Vector(id: "B34 Envoy InvalidPNA", config: c { $0.allowOrigins = ["https://a.test"]; $0.allowPrivateNetwork = true }, kind: .preflight,
               request: ["Origin: https://a.test", "Access-Control-Request-Method: GET", "Access-Control-Request-Private-Network: invalid"], status: 204,
               expected: ["Access-Control-Allow-Origin: https://a.test", "Access-Control-Allow-Methods: GET, HEAD, POST", "Access-Control-Max-Age: 600", preflightVaryPNA]),
        Vector(id: "B36 Envoy RequestWithoutOrigin", config: c { $0.allowOrigins = ["https://a.test"] }, kind: .actual,
               request: [], response: ["X-Upstream: 1"], expected: ["X-Upstream: 1", "Vary: Origin"], ours: "Vary: Origin even without Origin"),
        Vector(id: "B37 Traefik Simple Preflight", config: c { $0.allowOrigins = ["https://foo.bar.org"]; $0.allowMethods = ["GET", "OPTIONS", "PUT"] }, kind: .preflight,
               request: ["Origin: https://foo.bar.org", "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: origin"], status: 403,
               expected: [preflightVary], ours: "ACRH names are validated; \"origin\" is not in allowHeaders"),
        Vector(id: "B40 Traefik Partial Regexp", config: c { $0.allowOriginRegex = ["([a-z]+)\\.bar"] }, kind: .actual,
               request: ["Origin: https://foo.bar.org"], expected: ["Vary: Origin"], ours: "regexes match the whole origin"),
        Vector(id: "B41 Traefik Regexp without matching", config: c { $0.allowOriginRegex = ["([a-z]+)\\.bar\\.org"] }, kind: .actual,
               request: ["Origin: https://bar.org"], expected: ["Vary: Origin"]),
        Vector(id: "B42 Traefik Vary merge", config: c { $0.allowOrigins = ["https://foo.bar.org"] }, kind: .actual,
               request: ["Origin: https://foo.bar.org"], response: ["Vary: Testing"],
               expected: ["Vary: Testing, Origin", "Access-Control-Allow-Origin: https://foo.bar.org"]),
        Vector(id: "B43 Traefik backend ACAO replaced", config: c { $0.allowOrigins = ["*"] }, kind: .actual,
               request: ["Origin: https://foo.bar.org"], response: ["Access-Control-Allow-Origin: http://foo.bar.org"],
               expected: ["Access-Control-Allow-Origin: *"]),
        Vector(id: "B47 Kong default port", config: c { $0.allowOrigins = ["http://foo.test"] }, kind: .preflight,
               request: ["Origin: http://foo.test:80", "Access-Control-Request-Method: GET"], status: 403, expected: [preflightVary],
               ours: "an Origin with its default port is outside the grammar (never normalised)"),
        Vector(id: "B48 Kong flat strings", config: c { $0.allowOrigins = ["http://my-site.test", "http://my-other-site.test"] }, kind: .preflight,
               request: ["Origin: http://my-site.test.bad-guys.test", "Access-Control-Request-Method: GET"], status: 403, expected: [preflightVary],
               ours: "403 instead of 200 without ACAO"),
        Vector(id: "B49 Kong scheme and port", config: c { $0.allowOrigins = ["http://my-site.test", "https://my-other-site.test:9000"] }, kind: .actual,
               request: ["Origin: https://my-other-site.test:9001"], expected: ["Vary: Origin"]),
        Vector(id: "B50 Kong removes upstream ACAO", config: c { $0.allowOrigins = ["http://a.test", "http://b.test"]; $0.allowCredentials = true }, kind: .actual,
               request: ["Origin: http://disallowed-domain.test"], response: ["Access-Control-Allow-Origin: *"], expected: ["Vary: Origin"],
               ours: "no ACAC either for a refused origin"),
        Vector(id: "B51 Kong Vary", config: c { $0.allowOrigins = ["http://a.test"] }, kind: .actual,
               request: ["Origin: http://a.test"], response: ["Vary: Accept-Encoding"],
               expected: ["Vary: Accept-Encoding, Origin", "Access-Control-Allow-Origin: http://a.test"], ours: "one merged Vary line, not two"),
        Vector(id: "B52 Kong upstream timeout without Origin", config: c { $0.allowOrigins = ["http://example.test"]; $0.exposeHeaders = ["x-auth-token"] }, kind: .actual,
               request: [], response: ["Content-Type: application/json"], expected: ["Content-Type: application/json", "Vary: Origin"],
               ours: "no Origin, no ACAO/ACEH (Kong sends its single flat origin to everybody)"),
        Vector(id: "B55 Kong allow_origin_absent=false", config: c { $0.allowOrigins = ["http://foo.bar"]; $0.allowCredentials = true; $0.exposeHeaders = ["x-a"] }, kind: .actual,
               request: ["Origin:"], expected: ["Vary: Origin"]),
        Vector(id: "B59 tower exact origin Vary", config: c { $0.allowOrigins = ["http://example.com"] }, kind: .actual,
               request: ["Origin: http://example.com"], expected: ["Access-Control-Allow-Origin: http://example.com", "Vary: Origin"],
               ours: "Vary: Origin unless allowOrigins is exactly *"),
        Vector(id: "B63 jub0bs PURGE credentialed", config: c { $0.allowOrigins = ["http://localhost:9090"]; $0.allowCredentials = true; $0.allowMethods = ["PURGE"]; $0.allowHeaders = ["Authorization"]; $0.maxAge = 30 },
               kind: .preflight, request: ["Origin: http://localhost:9090", "Access-Control-Request-Method: PURGE"], status: 204,
               expected: ["Access-Control-Allow-Origin: http://localhost:9090", "Access-Control-Allow-Credentials: true", "Access-Control-Allow-Methods: PURGE",
                          "Access-Control-Allow-Headers: authorization", "Access-Control-Max-Age: 30", preflightVary],
               ours: "ACAH and Vary are sent (SPEC)"),
        Vector(id: "B64 jub0bs PURGE + Content-Type", config: c { $0.allowOrigins = ["http://localhost:9090"]; $0.allowCredentials = true; $0.allowMethods = ["PURGE"]; $0.allowHeaders = ["Authorization"] },
               kind: .preflight, request: ["Origin: http://localhost:9090", "Access-Control-Request-Method: PURGE", "Access-Control-Request-Headers: content-type"],
               status: 403, expected: [preflightVary]),
        Vector(id: "B65 jub0bs fake preflight with GET", config: c { $0.allowOrigins = ["http://localhost:9090"]; $0.allowMethods = ["GET", "PURGE"] }, kind: .preflight,
               request: ["Origin: http://localhost:9090", "Access-Control-Request-Method: GET"], status: 204,
               expected: ["Access-Control-Allow-Origin: http://localhost:9090", "Access-Control-Allow-Methods: GET, PURGE", "Access-Control-Max-Age: 600", preflightVary],
               ours: "ACAM is always sent"),
        Vector(id: "B66 jub0bs actual from allowed", config: c { $0.allowOrigins = ["http://localhost:9090"]; $0.allowCredentials = true; $0.exposeHeaders = ["x-bar", "x-foo"] },
               kind: .actual, request: ["Origin: http://localhost:9090"],
               expected: ["Access-Control-Allow-Origin: http://localhost:9090", "Access-Control-Allow-Credentials: true", "Access-Control-Expose-Headers: x-bar, x-foo", "Vary: Origin"]),
        Vector(id: "B67 jub0bs allow all + authorization", config: c { $0.allowOrigins = ["*"]; $0.allowMethods = ["*"]; $0.allowHeaders = ["Authorization", "*"] }, kind: .preflight,
               request: ["Origin: https://x.test", "Access-Control-Request-Method: PURGE", "Access-Control-Request-Headers: content-type"], status: 204,
               expected: ["Access-Control-Allow-Origin: *", "Access-Control-Allow-Methods: *", "Access-Control-Allow-Headers: *, authorization", "Access-Control-Max-Age: 600", preflightVary]),
        Vector(id: "B68 jub0bs GHSA-vhxv-fg4m-p2w8", config: c { $0.allowOrigins = ["https://foo.com", "https://bar.com"] }, kind: .preflight,
               request: ["Origin: https://barfoo.com", "Access-Control-Request-Method: GET"], status: 403, expected: [preflightVary]),
        Vector(id: "B69 jub0bs subdomains and ports", config: c { $0.allowOrigins = ["http://*.example.com:*"] }, kind: .actual,
               request: ["Origin: http://bar.foo.example.com:8080"], expected: ["Access-Control-Allow-Origin: http://bar.foo.example.com:8080", "Vary: Origin"]),
        Vector(id: "B69b jub0bs apex refused", config: c { $0.allowOrigins = ["http://*.example.com:*"] }, kind: .actual,
               request: ["Origin: http://example.com"], expected: ["Vary: Origin"]),
        Vector(id: "B75 Fetch browser ACRH format", config: c { $0.allowOrigins = ["https://a.test"]; $0.allowMethods = ["POST"]; $0.allowHeaders = ["Content-Type", "X-A", "X-B"] },
               kind: .preflight, request: ["Origin: https://a.test", "Access-Control-Request-Method: POST", "Access-Control-Request-Headers: content-type,x-a,x-b"],
               status: 204, expected: ["Access-Control-Allow-Origin: https://a.test", "Access-Control-Allow-Methods: POST",
                                       "Access-Control-Allow-Headers: content-type, x-a, x-b", "Access-Control-Max-Age: 600", preflightVary]),
        Vector(id: "B76 Fetch * never covers authorization", config: c { $0.allowOrigins = ["https://a.test"]; $0.allowHeaders = ["*"] }, kind: .preflight,
               request: ["Origin: https://a.test", "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: authorization"],
               status: 403, expected: [preflightVary], ours: "refused at the preflight instead of failing in the browser later"),
        Vector(id: "B77 Fetch patch stays lowercase", config: c { $0.allowOrigins = ["https://a.test"]; $0.allowMethods = ["PATCH"] }, kind: .preflight,
               request: ["Origin: https://a.test", "Access-Control-Request-Method: patch"], status: 403, expected: [preflightVary]),
        Vector(id: "B80 GEP-1767 * + credentials", config: c { $0.allowOrigins = ["*"]; $0.allowCredentials = true }, kind: .actual,
               request: ["Origin: https://foo.example", "Cookie: a=1"], expected: ["Access-Control-Allow-Origin: *"],
               ours: "a config error; the policy never reflects for * and never pairs * with ACAC"),
    ]

    @Test("vector", arguments: vectors)
    func vector(_ vector: Vector) {
        let policy = compile(vector.config)
        switch vector.kind {
        case .actual:
            let result = policy.actualResponseHeaders(requestHeaders: lines(vector.request), responseHeaders: lines(vector.response))
            #expect(texts(result) == vector.expected)
        case .preflight:
            let request = lines(vector.request)
            #expect(CORSPolicy.isPreflight(method: "OPTIONS", requestHeaders: request))
            let decision = policy.preflight(requestHeaders: request)
            #expect(decision.status == vector.status)
            #expect(texts(decision.headers) == vector.expected)
        }
    }

    @Test("B19/B21/B25/B53: OPTIONS without Origin or without ACRM is an actual request")
    func notPreflights() {
        #expect(!CORSPolicy.isPreflight(method: "OPTIONS", requestHeaders: lines(["Origin: http://foobar.com"])))
        #expect(!CORSPolicy.isPreflight(method: "OPTIONS", requestHeaders: lines(["Access-Control-Request-Method: GET"])))
        #expect(!CORSPolicy.isPreflight(method: "OPTIONS", requestHeaders: []))
    }
}
