import FunctionRuntime
@testable import GatewayConfig
import Testing

@testable import GatewayPolicy

private typealias Line = (name: String, value: String)

private let context = ForwardingContext(clientAddress: "192.0.2.7", scheme: "http", host: "api.example.com", requestId: "rid-1")

private func lines(_ pairs: [(String, String)]) -> [Line] { pairs.map { (name: $0.0, value: $0.1) } }

private func upstream(
    _ rules: BackendHeaderRules,
    _ client: [(String, String)],
    edits: HeaderEdits? = nil,
    filterCookies: (([String]) -> String?)? = nil
) -> UpstreamHeaders {
    rules.upstreamHeaders(client: lines(client), context: context, routeEdits: CompiledHeaderEdits(edits), filterCookies: filterCookies)
}

/// Each spelling of a name in several casings.
private func casings(_ name: String) -> [String] {
    let mixed = String(name.enumerated().map { $0.offset.isMultiple(of: 2) ? Character($0.element.uppercased()) : Character($0.element.lowercased()) })
    return Array(Set([name, name.lowercased(), name.uppercased(), mixed])).sorted()
}

@Suite("BackendHeaderRules selection")
struct BackendHeaderRulesSelectionTests {
    static let cases: [(RuntimeHandlerVersion?, BackendHeaderRules)] = [
        (nil, .plain),
        (.classic, .classicFunction),
        (.version("1.1.3"), .classicFunction),
        (.version("1.2.0-rc.1"), .classicFunction),
        (.version("1.2.0"), .modernFunction),
        (.version("2.1.2"), .modernFunction),
    ]

    @Test(arguments: cases)
    func rulesFollowTheRuntime(runtime: RuntimeHandlerVersion?, expected: BackendHeaderRules) {
        let rules = BackendHeaderRules(runtime: runtime)
        #expect(rules == expected)
    }

    @Test func namedCasesAreTheFunctionRuntimeCase() {
        let pair = [BackendHeaderRules.modernFunction, .classicFunction]
        #expect(pair == [.functionRuntime(seesHeadersAndCookies: true), .functionRuntime(seesHeadersAndCookies: false)])
    }
}

@Suite("BackendHeaderRules.functionRuntime >= 1.2.0 (SPEC §5.1)")
struct ModernFunctionHeaderRulesTests {
    static let restrictedNames = [
        "Connection", "Keep-Alive", "TE", "Proxy-Connection", "Expect", "Proxy-Authorization",
        "Proxy-Authenticate", "Referer", "Trailer", "Transfer-Encoding", "Upgrade", "Via", "X-Real-IP",
        "Forwarded",
    ]
    static let restrictedPrefixed = [
        "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port", "X-Accel-Buffering",
        "X-Accel-Redirect", "I-Twilio-Idempotency-Token", "I-Twilio-Test", "I-T-Foo", "OT-Tracer", "OT-Baggage-x",
        "X-Amzn-Trace-Id", "X-Amz-Date", "X-Amz", "X-Amzfoo", "X-Forwarded-", "I-T-",
    ]
    static let allRestricted: [String] = (restrictedNames + restrictedPrefixed).flatMap(casings)

    @Test(arguments: allRestricted)
    func restrictedHeaderNeverReachesTheFunction(name: String) {
        let value = name.lowercased() == "connection" ? "close" : "v"
        let result = upstream(.modernFunction, [("Accept", "a"), (name, value), ("X-Keep", "1")])
        // Transfer-Encoding is framing the gateway redoes, like Content-Length: removed, not counted.
        let counted = name.lowercased() == "transfer-encoding" ? 0 : 1
        #expect(result.lines.map(\.name) == ["Accept", "X-Keep", "X-Request-Id"])
        #expect(result.strippedCount == counted)
    }

    static let passing = [
        "X-Twilio-Signature", "x-twilio-signature", "X-TWILIO-SIGNATURE", "Authorization", "Cookie", "Origin",
        "Content-Type", "User-Agent", "Accept-Language", "Cache-Control", "X-Forwarded", "X-Accel", "I-Twilio",
        "I-Tx", "OT", "OTX-A", "X-Am", "Referrer", "Via-X", "X-Real-IPs", "Forwarded-X", "X-Custom-Forwarded-For",
        "Traceparent", "Idempotency-Key",
    ]

    @Test(arguments: passing)
    func endToEndHeaderPasses(name: String) {
        let result = upstream(.modernFunction, [(name, "abc="), ("X-Keep", "1")])
        let sent = result.lines.map { [$0.name, $0.value] }
        #expect(sent == [[name, "abc="], ["X-Keep", "1"], ["X-Request-Id", "rid-1"]])
        #expect(result.strippedCount == 0)
    }

    @Test func engineOwnedFramingIsNeverForwardedNorCounted() {
        let result = upstream(.modernFunction, [("Host", "client.example"), ("Content-Length", "5"), ("content-length", "5"), ("X-A", "1")])
        #expect(result.lines.map(\.name) == ["X-A", "X-Request-Id"])
        #expect(result.strippedCount == 0)
    }

    @Test func namesListedInConnectionAreHopByHop() {
        let result = upstream(.modernFunction, [("Connection", "X-A, x-b ,keep-alive"), ("X-A", "1"), ("x-B", "2"), ("X-C", "3"), ("Keep-Alive", "5")])
        #expect(result.lines.map(\.name) == ["X-C", "X-Request-Id"])
        #expect(result.strippedCount == 4)
    }

    @Test func repeatsKeepOrderAndCase() {
        let client: [(String, String)] = [
            ("X-Test", "a"), ("Cache-Control", "no-cache, private"), ("x-TEST", "b"), ("X-Forwarded-For", "1.2.3.4"),
            ("X-Test", "c"), ("Cache-Control", "max-age=0"),
        ]
        let result = upstream(.modernFunction, client)
        let sent = result.lines.map { "\($0.name): \($0.value)" }
        #expect(sent == [
            "X-Test: a", "Cache-Control: no-cache, private", "x-TEST: b", "X-Test: c", "Cache-Control: max-age=0",
            "X-Request-Id: rid-1",
        ])
        #expect(result.strippedCount == 1)
    }

    @Test func requestIdIsTheResolvedOneAndNoForwardingHeadersAreAdded() {
        let result = upstream(.modernFunction, [("X-Request-Id", "client-id"), ("x-request-id", "again"), ("Forwarded", "for=1.2.3.4")])
        let sent = result.lines.map { [$0.name, $0.value] }
        #expect(sent == [["X-Request-Id", "rid-1"]])
        #expect(result.strippedCount == 1)
    }

    @Test func cookiesPassThroughTheRouteFilter() {
        var seen: [[String]] = []
        let result = upstream(.modernFunction, [("Accept", "a"), ("Cookie", "a=1; b=2"), ("X-Mid", "m"), ("cookie", "c=3")]) { values in
            seen.append(values)
            return "a=1"
        }
        let sent = result.lines.map { [$0.name, $0.value] }
        #expect(seen == [["a=1; b=2", "c=3"]])
        #expect(sent == [["Accept", "a"], ["Cookie", "a=1"], ["X-Mid", "m"], ["X-Request-Id", "rid-1"]])
        #expect(result.strippedCount == 0)
    }

    static let emptyFilterResults: [String?] = [nil, ""]

    @Test(arguments: emptyFilterResults)
    func aFilterThatKeepsNothingDropsTheCookieHeader(kept: String?) {
        let result = upstream(.modernFunction, [("Cookie", "a=1"), ("X-A", "1")]) { _ in kept }
        #expect(result.lines.map(\.name) == ["X-A", "X-Request-Id"])
    }

    @Test func filterIsNotCalledWithoutCookies() {
        var called = false
        let result = upstream(.modernFunction, [("X-A", "1")]) { _ in called = true; return "x=1" }
        #expect(!called)
        #expect(result.lines.map(\.name) == ["X-A", "X-Request-Id"])
    }

    @Test func withoutAFilterCookieLinesPassUnchanged() {
        let result = upstream(.modernFunction, [("Cookie", "a=1"), ("Cookie", "b=2")])
        let sent = result.lines.map { [$0.name, $0.value] }
        #expect(sent == [["Cookie", "a=1"], ["Cookie", "b=2"], ["X-Request-Id", "rid-1"]])
    }

    @Test func routeEditsApplyAfterStripping() {
        let edits = HeaderEdits(set: [("X-Gateway", "1")], remove: ["x-debug"])
        let result = upstream(.modernFunction, [("X-Debug", "1"), ("X-Gateway", "client"), ("X-Other", "o"), ("Via", "1.1 p")], edits: edits)
        let sent = result.lines.map { [$0.name, $0.value] }
        #expect(sent == [["X-Other", "o"], ["X-Request-Id", "rid-1"], ["X-Gateway", "1"]])
        #expect(result.strippedCount == 1)
    }

    @Test func responseKeepsSetCookie() {
        let result = BackendHeaderRules.modernFunction.responseHeaders(
            backend: lines([("Set-Cookie", "a=1"), ("Connection", "close"), ("set-cookie", "b=2"), ("X-Request-Id", "backend")]),
            requestId: "rid-1",
            routeEdits: CompiledHeaderEdits(nil)
        )
        let sent = result.lines.map { [$0.name, $0.value] }
        #expect(sent == [["Set-Cookie", "a=1"], ["set-cookie", "b=2"], ["X-Request-Id", "rid-1"]])
        #expect(result.strippedCount == 1)
    }
}

@Suite("BackendHeaderRules.functionRuntime < 1.2.0 / classic (SPEC §5.2)")
struct ClassicFunctionHeaderRulesTests {
    static let browserRequest: [(String, String)] = [
        ("Host", "api.example.com"), ("User-Agent", "Mozilla/5.0"), ("Accept", "*/*"), ("Origin", "https://app.example"),
        ("Content-Type", "application/json"), ("Authorization", "Bearer t"), ("Cookie", "a=1"), ("Cookie", "b=2"),
        ("X-Request-Id", "client-id"), ("X-Twilio-Signature", "abc="), ("X-Forwarded-For", "1.2.3.4"),
        ("Forwarded", "for=1.2.3.4"), ("Content-Length", "2"), ("Connection", "keep-alive"), ("Referer", "https://r"),
        ("Accept-Encoding", "gzip"), ("Expect", "100-continue"),
    ]

    @Test func onlyContentTypeFromTheClient() {
        var filterCalled = false
        let result = upstream(.classicFunction, Self.browserRequest) { _ in filterCalled = true; return "a=1" }
        let sent = result.lines.map { [$0.name, $0.value] }
        #expect(sent == [["Content-Type", "application/json"]])
        #expect(result.strippedCount == Self.browserRequest.count - 3)  // Host, Content-Length, Content-Type not counted
        #expect(!filterCalled)
    }

    static let contentTypeCasings = casings("Content-Type")

    @Test(arguments: contentTypeCasings)
    func contentTypeInAnyCaseIsKeptAsSpelled(name: String) {
        let result = upstream(.classicFunction, [(name, "text/plain"), ("X-A", "1")])
        let sent = result.lines.map { [$0.name, $0.value] }
        #expect(sent == [[name, "text/plain"]])
        #expect(result.strippedCount == 1)
    }

    @Test func routeSetLinesAreAdded() {
        let edits = HeaderEdits(set: [("X-Gateway", "1"), ("Authorization", "Basic route")], remove: ["x-debug"])
        let result = upstream(.classicFunction, [("Authorization", "Bearer client"), ("Content-Type", "a/b"), ("X-Debug", "1"), ("X-Gateway", "client")], edits: edits)
        let sent = result.lines.map { [$0.name, $0.value] }
        #expect(sent == [["Content-Type", "a/b"], ["X-Gateway", "1"], ["Authorization", "Basic route"]])
        #expect(result.strippedCount == 3)
    }

    @Test func noContentTypeMeansNoClientHeaderAtAll() {
        let result = upstream(.classicFunction, [("Accept", "*/*"), ("X-Request-Id", "abc")])
        #expect(result.lines.isEmpty)
        #expect(result.strippedCount == 2)
    }

    @Test func responseDropsEverySetCookieLine() {
        let backend = lines([
            ("Content-Type", "application/json"), ("Set-Cookie", "a=1"), ("SET-COOKIE", "b=2"),
            ("Access-Control-Allow-Origin", "*"), ("set-cookie", "c=3"), ("Transfer-Encoding", "chunked"),
            ("X-Request-Id", "backend"), ("Set-Cookie2", "legacy=1"),
        ])
        let result = BackendHeaderRules.classicFunction.responseHeaders(backend: backend, requestId: "rid-1", routeEdits: CompiledHeaderEdits(nil))
        let compat = BackendHeaderRules.classicFunction.clientResponseHeaders(backend: backend, requestId: "rid-1", routeEdits: CompiledHeaderEdits(nil))
        let sent = result.lines.map { [$0.name, $0.value] }
        #expect(sent == [
            ["Content-Type", "application/json"], ["Access-Control-Allow-Origin", "*"], ["Set-Cookie2", "legacy=1"],
            ["X-Request-Id", "rid-1"],
        ])
        #expect(compat.map(\.name) == result.lines.map(\.name))
        #expect(result.strippedCount == 4)
    }

    @Test func responseRouteEditsStillApply() {
        let edits = HeaderEdits(set: [("X-Served-By", "gw")], remove: ["server"])
        let result = BackendHeaderRules.classicFunction.responseHeaders(
            backend: lines([("Server", "x"), ("Set-Cookie", "a=1"), ("X-A", "1")]), requestId: "rid-1", routeEdits: CompiledHeaderEdits(edits))
        #expect(result.lines.map(\.name) == ["X-A", "X-Request-Id", "X-Served-By"])
        #expect(result.strippedCount == 1)
    }
}

@Suite("BackendHeaderRules.plain counts and cookies (SPEC §5.3, §6)")
struct PlainHeaderRulesCountTests {
    @Test func hopByHopAndForwardingRemovalsAreCounted() {
        let client: [(String, String)] = [
            ("Host", "h"), ("Content-Length", "1"), ("Transfer-Encoding", "chunked"), ("Connection", "close, X-A"),
            ("X-A", "1"), ("Keep-Alive", "t"), ("X-Forwarded-For", "1.2.3.4"), ("Forwarded", "for=x"),
            ("X-Request-Id", "client"), ("Expect", "100-continue"), ("X-Keep", "k"),
        ]
        let result = upstream(.plain, client)
        #expect(result.lines.map(\.name) == ["X-Keep", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-Id"])
        #expect(result.strippedCount == 6)
    }

    @Test func plainCookiesPassThroughTheFilter() {
        let result = upstream(.plain, [("Cookie", "a=1; b=2")]) { values in values == ["a=1; b=2"] ? "b=2" : nil }
        #expect(result.lines.first.map { [$0.name, $0.value] } == ["Cookie", "b=2"])
    }

    @Test func plainResponseKeepsSetCookieAndCountsHopByHop() {
        let result = BackendHeaderRules.plain.responseHeaders(
            backend: lines([("Set-Cookie", "a=1"), ("Keep-Alive", "t"), ("Connection", "X-S"), ("X-S", "s")]),
            requestId: "rid-1", routeEdits: CompiledHeaderEdits(nil))
        #expect(result.lines.map(\.name) == ["Set-Cookie", "X-Request-Id"])
        #expect(result.strippedCount == 3)
    }
}
