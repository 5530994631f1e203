import CORSPolicy
import Testing

/// SPEC §4 preflights: detection, the checks in order, and the exact answer (status and lines).
@Suite("Preflight answers")
struct PreflightTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var config: CORSConfig
        var request: [String]
        var status: Int
        var rejection: CORSRejection?
        var headers: [String]

        var testDescription: String { name }
    }

    static let app = "Origin: https://app.example.com"
    static let base = corsConfig {
        $0.allowOrigins = ["https://app.example.com"]
        $0.allowMethods = ["GET", "POST", "PUT"]
        $0.allowHeaders = ["Content-Type", "X-Api-Key"]
    }
    static let allowed = [
        "Access-Control-Allow-Origin: https://app.example.com",
        "Access-Control-Allow-Methods: GET, POST, PUT",
        "Access-Control-Allow-Headers: content-type, x-api-key",
        "Access-Control-Max-Age: 600",
        preflightVary,
    ]
    static func with(_ configure: (inout CORSConfig) -> Void) -> CORSConfig {
        var config = base
        configure(&config)
        return config
    }
    static let sixtyFour = (1...64).map { "x-h\($0)" }.joined(separator: ",")
    static let sixtyFive = (1...65).map { "x-h\($0)" }.joined(separator: ",")
    static let longName = "x-" + String(repeating: "a", count: 4094)   // 4096 bytes

    static let cases: [Case] = [
        Case(name: "allowed: every rule passes, lines in SPEC order", config: base,
             request: [app, "Access-Control-Request-Method: PUT", "Access-Control-Request-Headers: content-type,x-api-key"],
             status: 204, headers: allowed),
        Case(name: "header names are case-insensitive", config: base,
             request: [app, "Access-Control-Request-Method: PUT", "Access-Control-Request-Headers: X-API-KEY,Content-Type"],
             status: 204, headers: allowed),
        Case(name: "ACRH split over several lines", config: base,
             request: [app, "Access-Control-Request-Method: PUT", "Access-Control-Request-Headers: content-type", "access-control-request-headers: x-api-key"],
             status: 204, headers: allowed),
        Case(name: "OWS around ACRH names is trimmed", config: base,
             request: [app, "Access-Control-Request-Method: PUT", "Access-Control-Request-Headers:  content-type ,\tx-api-key  "],
             status: 204, headers: allowed),
        Case(name: "empty ACRH elements are ignored", config: base,
             request: [app, "Access-Control-Request-Method: PUT", "Access-Control-Request-Headers: ,content-type,,x-api-key,"],
             status: 204, headers: allowed),
        Case(name: "no ACRH with headers configured still lists them", config: base,
             request: [app, "Access-Control-Request-Method: GET"], status: 204, headers: allowed),
        Case(name: "request header names are case-insensitive too", config: base,
             request: ["ORIGIN: https://app.example.com", "access-control-request-method: PUT"], status: 204, headers: allowed),
        Case(name: "a header not in allowHeaders", config: base,
             request: [app, "Access-Control-Request-Method: PUT", "Access-Control-Request-Headers: content-type,x-other"],
             status: 403, rejection: .headers, headers: [preflightVary]),
        Case(name: "a non-token ACRH element", config: base,
             request: [app, "Access-Control-Request-Method: PUT", "Access-Control-Request-Headers: x api key"],
             status: 403, rejection: .headers, headers: [preflightVary]),
        Case(name: "methods are case-sensitive", config: base,
             request: [app, "Access-Control-Request-Method: put"], status: 403, rejection: .method, headers: [preflightVary]),
        Case(name: "a method not in allowMethods", config: base,
             request: [app, "Access-Control-Request-Method: PATCH"], status: 403, rejection: .method, headers: [preflightVary]),
        Case(name: "safelisted methods must be listed too", config: with { $0.allowMethods = ["PUT"] },
             request: [app, "Access-Control-Request-Method: GET"], status: 403, rejection: .method, headers: [preflightVary]),
        Case(name: "ACRM must be a single token", config: base,
             request: [app, "Access-Control-Request-Method: GET, PUT"], status: 403, rejection: .method, headers: [preflightVary]),
        Case(name: "ACRM on two lines", config: base,
             request: [app, "Access-Control-Request-Method: GET", "Access-Control-Request-Method: PUT"], status: 403, rejection: .method, headers: [preflightVary]),
        Case(name: "an empty ACRM", config: base,
             request: [app, "Access-Control-Request-Method:"], status: 403, rejection: .method, headers: [preflightVary]),
        Case(name: "an origin not allowed", config: base,
             request: ["Origin: https://evil.com", "Access-Control-Request-Method: PUT"], status: 403, rejection: .origin, headers: [preflightVary]),
        Case(name: "an empty Origin", config: base,
             request: ["Origin:", "Access-Control-Request-Method: PUT"], status: 403, rejection: .origin, headers: [preflightVary]),
        Case(name: "two Origin lines, even both allowed", config: base,
             request: [app, app, "Access-Control-Request-Method: PUT"], status: 403, rejection: .origin, headers: [preflightVary]),
        Case(name: "origin is checked first", config: base,
             request: ["Origin: https://evil.com", "Access-Control-Request-Method: put", "Access-Control-Request-Headers: x-bad"],
             status: 403, rejection: .origin, headers: [preflightVary]),
        Case(name: "method is checked before headers", config: base,
             request: [app, "Access-Control-Request-Method: put", "Access-Control-Request-Headers: x-bad"],
             status: 403, rejection: .method, headers: [preflightVary]),
        Case(name: "64 names pass", config: with { $0.allowHeaders = ["*"] },
             request: [app, "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: \(sixtyFour)"],
             status: 204, headers: [
                 "Access-Control-Allow-Origin: https://app.example.com", "Access-Control-Allow-Methods: GET, POST, PUT",
                 "Access-Control-Allow-Headers: *", "Access-Control-Max-Age: 600", preflightVary,
             ]),
        Case(name: "65 names are rejected", config: with { $0.allowHeaders = ["*"] },
             request: [app, "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: \(sixtyFive)"],
             status: 403, rejection: .headers, headers: [preflightVary]),
        Case(name: "4096 bytes of ACRH pass", config: with { $0.allowHeaders = ["*"] },
             request: [app, "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: \(longName)"],
             status: 204, headers: [
                 "Access-Control-Allow-Origin: https://app.example.com", "Access-Control-Allow-Methods: GET, POST, PUT",
                 "Access-Control-Allow-Headers: *", "Access-Control-Max-Age: 600", preflightVary,
             ]),
        Case(name: "4097 bytes over two lines are rejected", config: with { $0.allowHeaders = ["*"] },
             request: [app, "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: \(longName)", "Access-Control-Request-Headers: x"],
             status: 403, rejection: .headers, headers: [preflightVary]),
        Case(name: "* in allowHeaders does not cover authorization", config: with { $0.allowHeaders = ["*"] },
             request: [app, "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: authorization,x-any"],
             status: 403, rejection: .headers, headers: [preflightVary]),
        Case(name: "* plus a listed authorization", config: with { $0.allowHeaders = ["*", "Authorization"] },
             request: [app, "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: authorization,x-any"],
             status: 204, headers: [
                 "Access-Control-Allow-Origin: https://app.example.com", "Access-Control-Allow-Methods: GET, POST, PUT",
                 "Access-Control-Allow-Headers: *, authorization", "Access-Control-Max-Age: 600", preflightVary,
             ]),
        Case(name: "ACAH omitted when nothing requested and nothing configured", config: with { $0.allowHeaders = [] },
             request: [app, "Access-Control-Request-Method: POST"], status: 204, headers: [
                 "Access-Control-Allow-Origin: https://app.example.com", "Access-Control-Allow-Methods: GET, POST, PUT",
                 "Access-Control-Max-Age: 600", preflightVary,
             ]),
        Case(name: "an empty ACRH requests nothing", config: with { $0.allowHeaders = [] },
             request: [app, "Access-Control-Request-Method: POST", "Access-Control-Request-Headers:"], status: 204, headers: [
                 "Access-Control-Allow-Origin: https://app.example.com", "Access-Control-Allow-Methods: GET, POST, PUT",
                 "Access-Control-Max-Age: 600", preflightVary,
             ]),
        Case(name: "credentials: ACAC after ACAO", config: with { $0.allowCredentials = true; $0.allowHeaders = [] },
             request: [app, "Access-Control-Request-Method: GET"], status: 204, headers: [
                 "Access-Control-Allow-Origin: https://app.example.com", "Access-Control-Allow-Credentials: true",
                 "Access-Control-Allow-Methods: GET, POST, PUT", "Access-Control-Max-Age: 600", preflightVary,
             ]),
        Case(name: "allowOrigins * answers a literal *, Vary all the same", config: with { $0.allowOrigins = ["*"]; $0.allowHeaders = [] },
             request: ["Origin: https://any.test", "Access-Control-Request-Method: GET"], status: 204, headers: [
                 "Access-Control-Allow-Origin: *", "Access-Control-Allow-Methods: GET, POST, PUT", "Access-Control-Max-Age: 600", preflightVary,
             ]),
        Case(name: "allowMethods * answers * and admits any method token", config: with { $0.allowMethods = ["*"]; $0.allowHeaders = [] },
             request: [app, "Access-Control-Request-Method: PURGE"], status: 204, headers: [
                 "Access-Control-Allow-Origin: https://app.example.com", "Access-Control-Allow-Methods: *", "Access-Control-Max-Age: 600", preflightVary,
             ]),
        Case(name: "ACAM keeps configured order, ACAH is lowercased", config: with { $0.allowMethods = ["PUT", "DELETE", "GET"]; $0.allowHeaders = ["X-B", "x-a"] },
             request: [app, "Access-Control-Request-Method: DELETE"], status: 204, headers: [
                 "Access-Control-Allow-Origin: https://app.example.com", "Access-Control-Allow-Methods: PUT, DELETE, GET",
                 "Access-Control-Allow-Headers: x-b, x-a", "Access-Control-Max-Age: 600", preflightVary,
             ]),
        Case(name: "private network asked but not allowed", config: base,
             request: [app, "Access-Control-Request-Method: GET", "Access-Control-Request-Private-Network: true"],
             status: 403, rejection: .privateNetwork, headers: [preflightVary]),
        Case(name: "private network asked and allowed", config: with { $0.allowPrivateNetwork = true },
             request: [app, "Access-Control-Request-Method: GET", "Access-Control-Request-Private-Network: true"], status: 204,
             headers: Array(allowed.dropLast()) + ["Access-Control-Allow-Private-Network: true", preflightVaryPNA]),
        Case(name: "private network allowed but not asked: no ACAPN, Vary still names it", config: with { $0.allowPrivateNetwork = true },
             request: [app, "Access-Control-Request-Method: GET"], status: 204, headers: Array(allowed.dropLast()) + [preflightVaryPNA]),
        Case(name: "ACRPN other than true is not a request", config: base,
             request: [app, "Access-Control-Request-Method: GET", "Access-Control-Request-Private-Network: invalid"], status: 204, headers: allowed),
        Case(name: "preflightStatus 200 and maxAge 0", config: with { $0.preflightStatus = 200; $0.maxAge = 0 },
             request: [app, "Access-Control-Request-Method: GET"], status: 200, headers: [
                 "Access-Control-Allow-Origin: https://app.example.com", "Access-Control-Allow-Methods: GET, POST, PUT",
                 "Access-Control-Allow-Headers: content-type, x-api-key", "Access-Control-Max-Age: 0", preflightVary,
             ]),
        Case(name: "debug: allow", config: with { $0.debug = true },
             request: [app, "Access-Control-Request-Method: GET"], status: 204, headers: allowed + ["X-CORS-Decision: allow"]),
        Case(name: "debug: reject origin", config: with { $0.debug = true },
             request: ["Origin: https://evil.com", "Access-Control-Request-Method: GET"], status: 403, rejection: .origin,
             headers: [preflightVary, "X-CORS-Decision: reject; reason=origin"]),
        Case(name: "debug: reject method", config: with { $0.debug = true },
             request: [app, "Access-Control-Request-Method: DELETE"], status: 403, rejection: .method,
             headers: [preflightVary, "X-CORS-Decision: reject; reason=method"]),
        Case(name: "debug: reject headers", config: with { $0.debug = true },
             request: [app, "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: x-nope"], status: 403, rejection: .headers,
             headers: [preflightVary, "X-CORS-Decision: reject; reason=headers"]),
        Case(name: "debug: reject private-network", config: with { $0.debug = true },
             request: [app, "Access-Control-Request-Method: GET", "Access-Control-Request-Private-Network: true"], status: 403, rejection: .privateNetwork,
             headers: [preflightVary, "X-CORS-Decision: reject; reason=private-network"]),
        Case(name: "a rejected preflight with PNA enabled has the PNA Vary", config: with { $0.allowPrivateNetwork = true },
             request: ["Origin: https://evil.com", "Access-Control-Request-Method: GET"], status: 403, rejection: .origin, headers: [preflightVaryPNA]),
        Case(name: "report-only decides the same (the caller forwards)", config: with { $0.mode = .reportOnly },
             request: ["Origin: https://evil.com", "Access-Control-Request-Method: GET"], status: 403, rejection: .origin, headers: [preflightVary]),
    ]

    @Test("preflight decision", arguments: cases)
    func decision(_ testCase: Case) {
        let policy = compile(testCase.config)
        let request = lines(testCase.request)
        let decision = policy.preflight(requestHeaders: request)
        #expect(decision.status == testCase.status)
        #expect(decision.rejection == testCase.rejection)
        #expect(texts(decision.headers) == testCase.headers)
        #expect(!decision.reason.isEmpty)
        if testCase.rejection != nil {
            #expect(!decision.headers.contains { $0.name.lowercased().hasPrefix("access-control-") })
        }
    }

    static let detection: [(method: String, request: [String], isPreflight: Bool)] = [
        ("OPTIONS", ["Origin: https://a.com", "Access-Control-Request-Method: GET"], true),
        ("OPTIONS", ["Origin:", "Access-Control-Request-Method: GET"], true),
        ("OPTIONS", ["origin: null", "access-control-request-method: DELETE"], true),
        ("OPTIONS", ["Origin: https://a.com", "Access-Control-Request-Method:"], true),
        ("OPTIONS", ["Origin: https://a.com"], false),
        ("OPTIONS", ["Access-Control-Request-Method: GET"], false),
        ("OPTIONS", [], false),
        ("options", ["Origin: https://a.com", "Access-Control-Request-Method: GET"], false),
        ("GET", ["Origin: https://a.com", "Access-Control-Request-Method: GET"], false),
        ("POST", ["Origin: https://a.com", "Access-Control-Request-Method: POST"], false),
    ]

    @Test("isPreflight: OPTIONS + Origin (any value) + ACRM", arguments: detection)
    func isPreflight(method: String, request: [String], isPreflight: Bool) {
        let detected = CORSPolicy.isPreflight(method: method, requestHeaders: lines(request))
        #expect(detected == isPreflight)
    }

    @Test("reasons name the failing rule")
    func reasons() {
        let policy = compile(Self.base)
        let origin = policy.preflight(requestHeaders: lines(["Origin: https://evil.com", "Access-Control-Request-Method: GET"]))
        #expect(origin.reason == #"origin "https://evil.com" is not in allowOrigins [https://app.example.com] and matches no wildcard or regex"#)
        let header = policy.preflight(requestHeaders: lines([Self.app, "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: x-nope"]))
        #expect(header.reason == #"header "x-nope" is not in allowHeaders [Content-Type, X-Api-Key]"#)
        let method = policy.preflight(requestHeaders: lines([Self.app, "Access-Control-Request-Method: patch"]))
        #expect(method.reason == #"method "patch" is not in allowMethods [GET, POST, PUT] (methods are case-sensitive)"#)
        let allowed = policy.preflight(requestHeaders: lines([Self.app, "Access-Control-Request-Method: GET"]))
        #expect(allowed.reason == "allowed: origin is listed in allowOrigins")
    }
}
