import FetchCORS
import Testing

/// Fetch #cors-check in Chromium's order: the failure it returns decides the console sentence.
struct CORSCheckTests {
    static let origin = "https://app.example.com"

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var fields: [HeaderField]
        var credentials: Bool
        var failure: CORSFailure?
        var testDescription: String { self.name }
    }

    static let rows: [Row] = [
        Row(name: "exact origin", fields: [HeaderField("Access-Control-Allow-Origin", origin)], credentials: false, failure: nil),
        Row(name: "no ACAO", fields: [], credentials: false, failure: .missingAllowOrigin),
        Row(name: "* without credentials", fields: [HeaderField("Access-Control-Allow-Origin", "*")], credentials: false, failure: nil),
        Row(
            name: "* with credentials, even with ACAC",
            fields: [HeaderField("Access-Control-Allow-Origin", "*"), HeaderField("Access-Control-Allow-Credentials", "true")],
            credentials: true, failure: .wildcardOriginWithCredentials),
        Row(
            name: "two identical lines", fields: [HeaderField("access-control-allow-origin", origin), HeaderField("Access-Control-Allow-Origin", origin)],
            credentials: false, failure: .multipleAllowOriginValues("\(origin), \(origin)")),
        Row(name: "space-separated list", fields: [HeaderField("Access-Control-Allow-Origin", "\(origin) https://b.example")], credentials: false,
            failure: .multipleAllowOriginValues("\(origin) https://b.example")),
        Row(name: "null", fields: [HeaderField("Access-Control-Allow-Origin", "null")], credentials: false, failure: .allowOriginMismatch("null")),
        Row(name: "not a URL", fields: [HeaderField("Access-Control-Allow-Origin", "app.example.com")], credentials: false,
            failure: .invalidAllowOriginValue("app.example.com")),
        Row(name: "empty", fields: [HeaderField("Access-Control-Allow-Origin", "")], credentials: false, failure: .invalidAllowOriginValue("")),
        Row(name: "trailing slash", fields: [HeaderField("Access-Control-Allow-Origin", origin + "/")], credentials: false,
            failure: .allowOriginMismatch(origin + "/")),
        Row(name: "other case", fields: [HeaderField("Access-Control-Allow-Origin", "https://APP.example.com")], credentials: false,
            failure: .allowOriginMismatch("https://APP.example.com")),
        Row(name: "default port written", fields: [HeaderField("Access-Control-Allow-Origin", origin + ":443")], credentials: false,
            failure: .allowOriginMismatch(origin + ":443")),
        Row(
            name: "credentials and ACAC true",
            fields: [HeaderField("Access-Control-Allow-Origin", origin), HeaderField("Access-Control-Allow-Credentials", "true")],
            credentials: true, failure: nil),
        Row(name: "credentials without ACAC", fields: [HeaderField("Access-Control-Allow-Origin", origin)], credentials: true,
            failure: .invalidAllowCredentials("")),
        Row(
            name: "ACAC is case-sensitive",
            fields: [HeaderField("Access-Control-Allow-Origin", origin), HeaderField("Access-Control-Allow-Credentials", "True")],
            credentials: true, failure: .invalidAllowCredentials("True")),
        Row(
            name: "ACAC twice",
            fields: [HeaderField("Access-Control-Allow-Origin", origin), HeaderField("Access-Control-Allow-Credentials", "true"),
                     HeaderField("Access-Control-Allow-Credentials", "true")],
            credentials: true, failure: .invalidAllowCredentials("true, true")),
        Row(
            name: "ACAC ignored without credentials",
            fields: [HeaderField("Access-Control-Allow-Origin", origin), HeaderField("Access-Control-Allow-Credentials", "false")],
            credentials: false, failure: nil),
        Row(name: "origin mismatch wins over ACAC", fields: [HeaderField("Access-Control-Allow-Origin", "https://b.example")], credentials: true,
            failure: .allowOriginMismatch("https://b.example")),
    ]

    @Test(arguments: rows)
    func check(_ row: Row) {
        #expect(CORSCheck.check(ResponseHead(status: 200, fields: row.fields), origin: Self.origin, credentials: row.credentials) == row.failure)
    }

    @Test func theNullOriginMatchesACAONull() {
        let head = ResponseHead(status: 200, fields: [HeaderField("Access-Control-Allow-Origin", "null")])
        #expect(CORSCheck.check(head, origin: "null", credentials: false) == nil)
    }

    @Test func anyStatusPassesTheCheckOnAnActualResponse() {
        for status in [200, 204, 301, 404, 500] {
            #expect(CORSCheck.check(ResponseHead(status: status, fields: [HeaderField("Access-Control-Allow-Origin", "*")]), origin: Self.origin, credentials: false) == nil)
        }
    }
}
