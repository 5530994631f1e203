import CORSPolicy
import Testing

/// SPEC §4 actual requests: ACAO/ACAC/ACEH, backendHeaders, Vary merging, modes; and the
/// headers a forwarded preflight's answer gets.
@Suite("Actual response headers")
struct ActualResponseTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var config: CORSConfig
        var request: [String]
        var response: [String]
        var expected: [String]

        var testDescription: String { name }
    }

    static let app = "Origin: https://app.example.com"
    static let base = corsConfig {
        $0.allowOrigins = ["https://app.example.com"]
        $0.exposeHeaders = ["X-Request-Id", "X-Total"]
        $0.allowCredentials = true
    }
    static func with(_ configure: (inout CORSConfig) -> Void) -> CORSConfig {
        var config = base
        configure(&config)
        return config
    }
    static let ours = [
        "Access-Control-Allow-Origin: https://app.example.com",
        "Access-Control-Allow-Credentials: true",
        "Access-Control-Expose-Headers: X-Request-Id, X-Total",
    ]

    static let cases: [Case] = [
        Case(name: "allowed origin: ACAO, ACAC, ACEH, Vary", config: base, request: [app], response: ["Content-Type: text/plain"],
             expected: ["Content-Type: text/plain"] + ours + ["Vary: Origin"]),
        Case(name: "refused origin: only Vary", config: base, request: ["Origin: https://evil.com"], response: ["Content-Type: text/plain"],
             expected: ["Content-Type: text/plain", "Vary: Origin"]),
        Case(name: "no Origin: only Vary", config: base, request: [], response: ["Content-Type: text/plain"],
             expected: ["Content-Type: text/plain", "Vary: Origin"]),
        Case(name: "several Origin lines: refused", config: base, request: [app, app], response: [],
             expected: ["Vary: Origin"]),
        Case(name: "uppercase Origin: refused, never reflected", config: base, request: ["Origin: https://APP.example.com"], response: [],
             expected: ["Vary: Origin"]),
        Case(name: "backend Vary gets Origin merged in place", config: base, request: [app],
             response: ["Vary: Accept-Encoding", "Content-Type: text/plain"],
             expected: ["Vary: Accept-Encoding, Origin", "Content-Type: text/plain"] + ours),
        Case(name: "backend Vary already with origin: untouched", config: base, request: [app],
             response: ["vary: accept-encoding,origin"], expected: ["vary: accept-encoding,origin"] + ours),
        Case(name: "Vary: * stays *", config: base, request: [app], response: ["Vary: *"], expected: ["Vary: *"] + ours),
        Case(name: "a * token anywhere makes Vary *", config: base, request: [app], response: ["Vary: Accept, *"], expected: ["Vary: *"] + ours),
        Case(name: "two Vary lines become one", config: base, request: [], response: ["Vary: Accept-Encoding", "X-A: 1", "Vary: Accept-Language"],
             expected: ["Vary: Accept-Encoding, Accept-Language, Origin", "X-A: 1"]),
        Case(name: "duplicate Vary tokens are dropped", config: base, request: [], response: ["Vary: Origin, origin, Accept"],
             expected: ["Vary: Origin, Accept"]),
        Case(name: "override strips every backend Access-Control-*", config: base, request: [app],
             response: ["Access-Control-Allow-Origin: *", "access-control-allow-credentials: true", "Access-Control-Max-Age: 5", "X-A: 1"],
             expected: ["X-A: 1"] + ours + ["Vary: Origin"]),
        Case(name: "override with a refused origin strips and adds nothing", config: base, request: ["Origin: https://evil.com"],
             response: ["Access-Control-Allow-Origin: https://evil.com", "Access-Control-Allow-Credentials: true"],
             expected: ["Vary: Origin"]),
        Case(name: "preserve keeps the backend's CORS headers when it sent ACAO", config: with { $0.backendHeaders = .preserve }, request: [app],
             response: ["Access-Control-Allow-Origin: https://other.example", "Access-Control-Expose-Headers: X-Own"],
             expected: ["Access-Control-Allow-Origin: https://other.example", "Access-Control-Expose-Headers: X-Own", "Vary: Origin"]),
        Case(name: "preserve keeps one ACAO line", config: with { $0.backendHeaders = .preserve }, request: [app],
             response: ["Access-Control-Allow-Origin: https://app.example.com", "Access-Control-Allow-Origin: https://app.example.com"],
             expected: ["Access-Control-Allow-Origin: https://app.example.com", "Vary: Origin"]),
        Case(name: "preserve without a backend ACAO applies the route's (and drops stray ones)", config: with { $0.backendHeaders = .preserve },
             request: [app], response: ["Access-Control-Allow-Credentials: true", "X-A: 1"],
             expected: ["X-A: 1"] + ours + ["Vary: Origin"]),
        Case(name: "preserve with a refused origin keeps the backend's", config: with { $0.backendHeaders = .preserve },
             request: ["Origin: https://evil.com"], response: ["Access-Control-Allow-Origin: *"],
             expected: ["Access-Control-Allow-Origin: *", "Vary: Origin"]),
        Case(name: "allowOrigins exactly *: ACAO *, no Vary", config: corsConfig { $0.allowOrigins = ["*"] },
             request: ["Origin: https://any.test"], response: ["Vary: Accept-Encoding"],
             expected: ["Vary: Accept-Encoding", "Access-Control-Allow-Origin: *"]),
        Case(name: "allowOrigins exactly * without Origin: nothing", config: corsConfig { $0.allowOrigins = ["*"] },
             request: [], response: ["X-A: 1"], expected: ["X-A: 1"]),
        Case(name: "allowOrigins * with a backend ACAO: one ACAO *", config: corsConfig { $0.allowOrigins = ["*"] },
             request: ["Origin: https://foo.bar.org"], response: ["Access-Control-Allow-Origin: http://foo.bar.org"],
             expected: ["Access-Control-Allow-Origin: *"]),
        Case(name: "report-only changes nothing", config: with { $0.mode = .reportOnly }, request: [app],
             response: ["Access-Control-Allow-Origin: *", "Vary: Accept"], expected: ["Access-Control-Allow-Origin: *", "Vary: Accept"]),
        Case(name: "off changes nothing", config: with { $0.mode = .off }, request: ["Origin: https://evil.com"],
             response: ["X-A: 1"], expected: ["X-A: 1"]),
        Case(name: "debug: allow", config: with { $0.debug = true }, request: [app], response: [],
             expected: ours + ["Vary: Origin", "X-CORS-Decision: allow"]),
        Case(name: "debug: refused origin", config: with { $0.debug = true }, request: ["Origin: https://evil.com"],
             response: ["X-CORS-Decision: forged"], expected: ["Vary: Origin", "X-CORS-Decision: reject; reason=origin"]),
        Case(name: "debug: no Origin, no decision", config: with { $0.debug = true }, request: [], response: [],
             expected: ["Vary: Origin"]),
        Case(name: "expose * and no credentials", config: corsConfig { $0.allowOrigins = ["https://app.example.com"]; $0.exposeHeaders = ["*"] },
             request: [app], response: [],
             expected: ["Access-Control-Allow-Origin: https://app.example.com", "Access-Control-Expose-Headers: *", "Vary: Origin"]),
        Case(name: "nothing to expose: no ACEH", config: corsConfig { $0.allowOrigins = ["https://app.example.com"] },
             request: [app], response: [], expected: ["Access-Control-Allow-Origin: https://app.example.com", "Vary: Origin"]),
        Case(name: "a gateway 502 gets them too", config: base, request: [app],
             response: ["Content-Type: application/json", "X-Request-Id: abc"],
             expected: ["Content-Type: application/json", "X-Request-Id: abc"] + ours + ["Vary: Origin"]),
        Case(name: "null listed (no credentials) is reflected as null", config: corsConfig { $0.allowOrigins = ["null"] },
             request: ["Origin: null"], response: [], expected: ["Access-Control-Allow-Origin: null", "Vary: Origin"]),
    ]

    @Test("actualResponseHeaders", arguments: cases)
    func actual(_ testCase: Case) {
        let policy = compile(testCase.config)
        let result = policy.actualResponseHeaders(requestHeaders: lines(testCase.request), responseHeaders: lines(testCase.response))
        #expect(texts(result) == testCase.expected)
        let allowOrigins = result.filter { $0.name.lowercased() == "access-control-allow-origin" }
        #expect(allowOrigins.count <= 1)
        #expect(result.filter { $0.name.lowercased() == "vary" }.count <= 1)
    }

    static let forwardRequest = [app, "Access-Control-Request-Method: PUT"]
    static let forwardBase = corsConfig {
        $0.allowOrigins = ["https://app.example.com"]
        $0.allowMethods = ["GET", "PUT"]
        $0.preflight = .forward
    }
    static func forward(_ configure: (inout CORSConfig) -> Void) -> CORSConfig {
        var config = forwardBase
        configure(&config)
        return config
    }

    static let forwardCases: [Case] = [
        Case(name: "override: backend CORS stripped, preflight headers applied, Vary merged", config: forwardBase, request: forwardRequest,
             response: ["Content-Type: text/plain", "Access-Control-Allow-Origin: *", "Vary: Accept-Encoding"],
             expected: [
                 "Content-Type: text/plain",
                 "Vary: Accept-Encoding, Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
                 "Access-Control-Allow-Origin: https://app.example.com", "Access-Control-Allow-Methods: GET, PUT", "Access-Control-Max-Age: 600",
             ]),
        Case(name: "no backend Vary: preflight Vary appended", config: forward { $0.allowCredentials = true; $0.debug = true }, request: forwardRequest,
             response: [], expected: [
                 "Access-Control-Allow-Origin: https://app.example.com", "Access-Control-Allow-Credentials: true",
                 "Access-Control-Allow-Methods: GET, PUT", "Access-Control-Max-Age: 600", preflightVary, "X-CORS-Decision: allow",
             ]),
        Case(name: "preserve: the backend's own answer stands", config: forward { $0.backendHeaders = .preserve }, request: forwardRequest,
             response: ["Access-Control-Allow-Origin: https://app.example.com", "Access-Control-Allow-Methods: PUT"],
             expected: ["Access-Control-Allow-Origin: https://app.example.com", "Access-Control-Allow-Methods: PUT", preflightVary]),
        Case(name: "a failing preflight never gets CORS headers", config: forward { $0.backendHeaders = .preserve },
             request: ["Origin: https://evil.com", "Access-Control-Request-Method: PUT"],
             response: ["Access-Control-Allow-Origin: *"], expected: [preflightVary]),
        Case(name: "report-only: unchanged", config: forward { $0.mode = .reportOnly }, request: forwardRequest,
             response: ["Access-Control-Allow-Origin: *"], expected: ["Access-Control-Allow-Origin: *"]),
    ]

    @Test("forwardedPreflightResponseHeaders", arguments: forwardCases)
    func forwarded(_ testCase: Case) {
        let policy = compile(testCase.config)
        let result = policy.forwardedPreflightResponseHeaders(requestHeaders: lines(testCase.request), responseHeaders: lines(testCase.response))
        #expect(texts(result) == testCase.expected)
    }
}
