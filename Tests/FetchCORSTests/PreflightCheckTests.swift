import FetchCORS
import Testing

/// Fetch #cors-preflight-fetch steps 6–8 in Chromium's order.
struct PreflightCheckTests {
    static let origin = "https://app.example.com"
    static let allow = HeaderField("Access-Control-Allow-Origin", origin)
    static let credentialsTrue = HeaderField("Access-Control-Allow-Credentials", "true")

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var method = "PUT"
        var headers: [HeaderField] = []
        var credentials = false
        var status = 204
        var fields: [HeaderField]
        var failure: CORSFailure?
        var testDescription: String { self.name }
    }

    static let rows: [Row] = [
        Row(name: "method listed", fields: [allow, HeaderField("Access-Control-Allow-Methods", "GET, PUT")], failure: nil),
        Row(name: "method missing", fields: [allow, HeaderField("Access-Control-Allow-Methods", "GET, POST")], failure: .methodNotAllowed("PUT")),
        Row(name: "no ACAM at all", fields: [allow], failure: .methodNotAllowed("PUT")),
        Row(name: "methods compare case-sensitively", method: "patch", fields: [allow, HeaderField("Access-Control-Allow-Methods", "PATCH")],
            failure: .methodNotAllowed("patch")),
        Row(name: "lowercase put is normalised to PUT", method: "put", fields: [allow, HeaderField("Access-Control-Allow-Methods", "PUT")], failure: nil),
        Row(name: "safelisted method needs no ACAM", method: "POST", headers: [HeaderField("X-A", "1")],
            fields: [allow, HeaderField("Access-Control-Allow-Headers", "x-a")], failure: nil),
        Row(name: "* method without credentials", fields: [allow, HeaderField("Access-Control-Allow-Methods", "*")], failure: nil),
        Row(name: "* method is a literal with credentials", credentials: true,
            fields: [allow, credentialsTrue, HeaderField("Access-Control-Allow-Methods", "*")], failure: .methodNotAllowed("PUT")),
        Row(name: "ACAM split over lines", fields: [allow, HeaderField("Access-Control-Allow-Methods", "GET"), HeaderField("Access-Control-Allow-Methods", "PUT")],
            failure: nil),
        Row(name: "ACAM with empty elements", fields: [allow, HeaderField("Access-Control-Allow-Methods", ", GET,, PUT ,")], failure: nil),
        Row(name: "ACAM not tokens", fields: [allow, HeaderField("Access-Control-Allow-Methods", "PUT DELETE")], failure: .unparsableAllowMethods),
        Row(name: "ACAH not tokens (checked before the method)", headers: [HeaderField("X-A", "1")],
            fields: [allow, HeaderField("Access-Control-Allow-Headers", "x-a y")], failure: .unparsableAllowHeaders),
        Row(name: "header listed in another case", method: "GET", headers: [HeaderField("X-Custom", "1")],
            fields: [allow, HeaderField("Access-Control-Allow-Headers", "X-CUSTOM")], failure: nil),
        Row(name: "header missing", method: "GET", headers: [HeaderField("X-Custom", "1")],
            fields: [allow, HeaderField("Access-Control-Allow-Headers", "x-other")], failure: .headerNotAllowed("x-custom")),
        Row(name: "first missing header in sorted order", method: "GET", headers: [HeaderField("X-B", "1"), HeaderField("X-A", "1")],
            fields: [allow], failure: .headerNotAllowed("x-a")),
        Row(name: "* headers without credentials", method: "GET", headers: [HeaderField("X-Custom", "1")],
            fields: [allow, HeaderField("Access-Control-Allow-Headers", "*")], failure: nil),
        Row(name: "* headers is a literal with credentials", method: "GET", headers: [HeaderField("X-Custom", "1")], credentials: true,
            fields: [allow, credentialsTrue, HeaderField("Access-Control-Allow-Headers", "*")], failure: .headerNotAllowed("x-custom")),
        Row(name: "method is checked before headers", headers: [HeaderField("X-Custom", "1")],
            fields: [allow, HeaderField("Access-Control-Allow-Methods", "GET")], failure: .methodNotAllowed("PUT")),
        Row(name: "status 200 is ok", status: 200, fields: [allow, HeaderField("Access-Control-Allow-Methods", "PUT")], failure: nil),
        Row(name: "status 299 is ok", status: 299, fields: [allow, HeaderField("Access-Control-Allow-Methods", "PUT")], failure: nil),
        Row(name: "status 404 with ACAO", status: 404, fields: [allow, HeaderField("Access-Control-Allow-Methods", "PUT")], failure: .preflightNotOK),
        Row(name: "status 500 without ACAO: the CORS check speaks first", status: 500, fields: [], failure: .missingAllowOrigin),
        Row(name: "redirect", status: 302, fields: [allow, HeaderField("Location", "/elsewhere")], failure: .preflightRedirect),
        Row(name: "3xx without Location is just not ok", status: 302, fields: [allow], failure: .preflightNotOK),
        Row(name: "304 is not a redirect", status: 304, fields: [allow, HeaderField("Location", "/x")], failure: .preflightNotOK),
        Row(name: "credentials need ACAC on the preflight", credentials: true, fields: [allow, HeaderField("Access-Control-Allow-Methods", "PUT")],
            failure: .invalidAllowCredentials("")),
        Row(name: "* origin with credentials", credentials: true,
            fields: [HeaderField("Access-Control-Allow-Origin", "*"), credentialsTrue, HeaderField("Access-Control-Allow-Methods", "PUT")],
            failure: .wildcardOriginWithCredentials),
    ]

    @Test(arguments: rows)
    func check(_ row: Row) {
        let requirement = PreflightRequirement(method: row.method, headers: row.headers)
        let result = PreflightCheck.check(
            ResponseHead(status: row.status, fields: row.fields), origin: Self.origin, credentials: row.credentials, request: requirement)
        switch result {
        case .success: #expect(row.failure == nil)
        case .failure(let failure): #expect(failure == row.failure)
        }
    }

    /// Fetch #cors-non-wildcard-request-header-name: `*` never covers Authorization; Chromium 156
    /// still lets it (and probe reports the difference as a hazard).
    @Test func authorizationUnderTheWildcard() throws {
        let requirement = PreflightRequirement(method: "GET", headers: [HeaderField("Authorization", "Bearer t")])
        let head = ResponseHead(status: 204, fields: [Self.allow, HeaderField("Access-Control-Allow-Headers", "*")])
        let chromium = PreflightCheck.check(head, origin: Self.origin, credentials: false, request: requirement, rules: .chromium)
        #expect(try chromium.get().authorizationCoveredByWildcard)
        let standard = PreflightCheck.check(head, origin: Self.origin, credentials: false, request: requirement, rules: .fetchStandard)
        #expect(throws: CORSFailure.headerNotAllowed("authorization")) { try standard.get() }
        let listed = ResponseHead(status: 204, fields: [Self.allow, HeaderField("Access-Control-Allow-Headers", "*, Authorization")])
        let explicit = PreflightCheck.check(listed, origin: Self.origin, credentials: false, request: requirement, rules: .fetchStandard)
        #expect(try !explicit.get().authorizationCoveredByWildcard)
    }

    @Test func disallowedHeaderNamesListsEveryMissingName() {
        let requirement = PreflightRequirement(method: "GET", headers: [HeaderField("X-C", "1"), HeaderField("X-A", "1"), HeaderField("X-B", "1")])
        let head = ResponseHead(status: 204, fields: [Self.allow, HeaderField("Access-Control-Allow-Headers", "x-b")])
        #expect(PreflightCheck.disallowedHeaderNames(in: head, request: requirement) == ["x-a", "x-c"])
    }
}
