@testable import GatewayConfig
import Testing

@testable import GatewayPolicy

/// SPEC §11: with `limits.underscoreHeaders: "drop"` no client line whose name contains `_`
/// reaches any backend, so `X_Forwarded_For` cannot pass for `X-Forwarded-For` behind a
/// CGI-style server; without it (`allow`) such lines follow the backend's usual rules.
@Suite("BackendHeaderRules: header names with underscores")
struct UnderscoreHeaderRulesTests {
    static let client: [(name: String, value: String)] = [
        (name: "X_Forwarded_For", value: "6.6.6.6"), (name: "X-Keep", value: "1"), (name: "x_real_ip", value: "6.6.6.6"),
        (name: "Content-Type", value: "text/plain"), (name: "Accept_Language", value: "en"),
    ]
    static let underscoreLines = 3

    static let cases: [(rules: BackendHeaderRules, drops: Bool, forwarded: [String], stripped: Int)] = [
        (.plain, true, ["X-Keep", "Content-Type"], underscoreLines),
        (.plain, false, ["X_Forwarded_For", "X-Keep", "x_real_ip", "Content-Type", "Accept_Language"], 0),
        (.modernFunction, true, ["X-Keep", "Content-Type"], underscoreLines),
        (.modernFunction, false, ["X_Forwarded_For", "X-Keep", "x_real_ip", "Content-Type", "Accept_Language"], 0),
        // §5.2 forwards only Content-Type anyway; the count is the same either way.
        (.classicFunction, true, ["Content-Type"], underscoreLines + 1),
        (.classicFunction, false, ["Content-Type"], underscoreLines + 1),
    ]

    @Test(arguments: cases)
    func underscoreNamesFollowTheMode(rules: BackendHeaderRules, drops: Bool, forwarded: [String], stripped: Int) {
        let context = ForwardingContext(clientAddress: "192.0.2.7", scheme: "http", host: "api.example.com", requestId: "rid-1")
        let upstream = rules.upstreamHeaders(
            client: Self.client, context: context, routeEdits: CompiledHeaderEdits(nil), dropsUnderscoreNames: drops)
        let own: Set = ["X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-Id"]
        #expect(upstream.lines.map(\.name).filter { !own.contains($0) } == forwarded)
        #expect(upstream.strippedCount == stripped)
        if rules == .plain {
            #expect(upstream.lines.filter { $0.name == "X-Forwarded-For" }.map(\.value) == ["192.0.2.7"])
        }
    }

    @Test(arguments: [("X_Forwarded_For", true), ("_", true), ("x-forwarded-for", false), ("X-Real-IP", false), ("", false)])
    func underscoreIsFoundAnywhereInTheName(name: String, expected: Bool) {
        #expect(BackendHeaderRules.containsUnderscore(name) == expected)
    }
}
