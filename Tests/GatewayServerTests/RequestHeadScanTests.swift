import NIOHTTP1
import Testing

@testable import GatewayServer

/// The one pass over a request's header lines that routing, the SPEC §3 limits and the CORS
/// detection read from.
@Suite("RequestHeadScan")
struct RequestHeadScanTests {
    @Test func findsEveryNameInAnyCaseAndKeepsTheFirstValue() {
        let scan = RequestHeadScan(HTTPHeaders([
            ("HOST", "a.example"), ("host", "b.example"), ("X-REQUEST-ID", "first"), ("x-request-id", "second"),
            ("oRiGiN", "https://app.example.com"), ("ACCESS-CONTROL-REQUEST-METHOD", "PUT"),
            ("Content-Length", "12"), ("Content-Length", "13"), ("Expect", "100-Continue"), ("X-Other", "v"),
        ]))
        #expect(scan.host == "a.example")
        #expect(scan.hostCount == 2)
        #expect(scan.requestId == "first")
        #expect(scan.hasOrigin)
        #expect(scan.requestedMethod == "PUT")
        #expect(scan.contentLength == "12")
        #expect(!scan.hasTransferEncoding)
        #expect(scan.expectsContinue)
        #expect(scan.count == 10)
    }

    /// llhttp leaves trailing whitespace in a value; the Host that is checked, routed and
    /// forwarded has none.
    @Test(arguments: ["a.example", "a.example ", "a.example\t \t", " a.example"])
    func hostWithoutSurroundingWhitespace(value: String) {
        #expect(RequestHeadScan(HTTPHeaders([("Host", value)])).host == "a.example")
    }

    @Test func countsBytesAsNameColonSpaceValueCRLF() {
        let scan = RequestHeadScan(HTTPHeaders([("Host", "h"), ("Transfer-Encoding", "chunked"), ("Expect", "nothing")]))
        #expect(scan.bytes == (4 + 1 + 4) + (17 + 7 + 4) + (6 + 7 + 4))
        #expect(scan.hasTransferEncoding)
        #expect(!scan.expectsContinue)
        #expect(scan.requestId == nil)
    }

    @Test(arguments: [
        ([("X-Forwarded-For", "a"), ("Host", "h")], false),
        ([("Host", "h"), ("X_Forwarded_For", "a")], true),
        ([("_", "a")], true),
        ([("Host", "h"), ("X-Value", "has_underscore")], false),
    ])
    func notesAnUnderscoreInAnyNameButNotInValues(lines: [(String, String)], expected: Bool) {
        #expect(RequestHeadScan(HTTPHeaders(lines)).hasUnderscoreName == expected)
    }

    @Test(arguments: [
        (HTTPMethod.OPTIONS, [("Origin", "x"), ("Access-Control-Request-Method", "DELETE")], true, "DELETE"),
        (.OPTIONS, [("Origin", ""), ("Access-Control-Request-Method", "")], true, ""),
        (.OPTIONS, [("Access-Control-Request-Method", "DELETE")], false, "OPTIONS"),
        (.OPTIONS, [("Origin", "x")], false, "OPTIONS"),
        (.GET, [("Origin", "x"), ("Access-Control-Request-Method", "DELETE")], false, "GET"),
    ])
    func preflightDetectionAndRoutingMethod(method: HTTPMethod, lines: [(String, String)], preflight: Bool, routing: String) {
        let scan = RequestHeadScan(HTTPHeaders(lines))
        #expect(scan.isCORSPreflight(method: method) == preflight)
        #expect(scan.routingMethod(method) == routing)
    }
}
