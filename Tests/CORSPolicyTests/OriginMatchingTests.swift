import CORSPolicy
import Testing

/// SPEC §4 "Origin matching": bytes against entries, the origin grammar, wildcards, regexes, null.
@Suite("Origin matching")
struct OriginMatchingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var origins: [String]
        var regexes: [String] = []
        var credentials = false
        var origin: String
        var allowed: Bool
        var why: String

        var testDescription: String { "\(allowed ? "allows" : "refuses") \"\(origin)\": \(why)" }
    }

    static let spec = ["https://app.example.com", "https://*.example.org", "http://localhost:*"]
    static let specRegex = ["https://pr-[0-9]+\\.preview\\.example\\.net"]

    static let cases: [Case] = [
        // Exact entries: bytes, nothing else.
        Case(origins: spec, regexes: specRegex, origin: "https://app.example.com", allowed: true, why: "exact entry"),
        Case(origins: spec, regexes: specRegex, origin: "https://APP.example.com", allowed: false, why: "uppercase host"),
        Case(origins: spec, regexes: specRegex, origin: "HTTPS://app.example.com", allowed: false, why: "uppercase scheme"),
        Case(origins: spec, regexes: specRegex, origin: "https://app.example.com/", allowed: false, why: "trailing slash"),
        Case(origins: spec, regexes: specRegex, origin: "https://app.example.com/path", allowed: false, why: "path"),
        Case(origins: spec, regexes: specRegex, origin: "https://app.example.com?x=1", allowed: false, why: "query"),
        Case(origins: spec, regexes: specRegex, origin: "https://app.example.com#f", allowed: false, why: "fragment"),
        Case(origins: spec, regexes: specRegex, origin: "", allowed: false, why: "empty value"),
        Case(origins: spec, regexes: specRegex, origin: "https://app.example.com:443", allowed: false, why: "default port is never serialized"),
        Case(origins: spec, regexes: specRegex, origin: "https://app.example.com:8443", allowed: false, why: "port not listed"),
        Case(origins: spec, regexes: specRegex, origin: "http://app.example.com", allowed: false, why: "other scheme"),
        Case(origins: spec, regexes: specRegex, origin: " https://app.example.com", allowed: false, why: "leading space is outside the grammar"),
        Case(origins: spec, regexes: specRegex, origin: "https://app.example.com.", allowed: false, why: "trailing dot is another origin"),
        Case(origins: spec, regexes: specRegex, origin: "https://user@app.example.com", allowed: false, why: "user info"),
        Case(origins: spec, regexes: specRegex, origin: "app.example.com", allowed: false, why: "no scheme"),
        // `https://*.example.org`: one or more labels, same scheme, no port.
        Case(origins: spec, regexes: specRegex, origin: "https://a.example.org", allowed: true, why: "one label"),
        Case(origins: spec, regexes: specRegex, origin: "https://a.b.example.org", allowed: true, why: "two labels"),
        Case(origins: spec, regexes: specRegex, origin: "https://example.org", allowed: false, why: "not the apex"),
        Case(origins: spec, regexes: specRegex, origin: "https://example.org.evil.com", allowed: false, why: "suffix must end the host"),
        Case(origins: spec, regexes: specRegex, origin: "https://evilexample.org", allowed: false, why: "label boundary"),
        Case(origins: spec, regexes: specRegex, origin: "http://a.example.org", allowed: false, why: "same scheme only"),
        Case(origins: spec, regexes: specRegex, origin: "https://a.example.org:8443", allowed: false, why: "no port"),
        Case(origins: spec, regexes: specRegex, origin: "https://.example.org", allowed: false, why: "empty label"),
        Case(origins: spec, regexes: specRegex, origin: "https://A.example.org", allowed: false, why: "uppercase label"),
        // `:*`: any explicit port and no port.
        Case(origins: spec, regexes: specRegex, origin: "http://localhost", allowed: true, why: ":* admits no port"),
        Case(origins: spec, regexes: specRegex, origin: "http://localhost:3000", allowed: true, why: ":* admits a port"),
        Case(origins: spec, regexes: specRegex, origin: "http://localhost:65535", allowed: true, why: "highest port"),
        Case(origins: spec, regexes: specRegex, origin: "http://localhost:80", allowed: false, why: "default port is never serialized"),
        Case(origins: spec, regexes: specRegex, origin: "http://localhost:65536", allowed: false, why: "port out of range"),
        Case(origins: spec, regexes: specRegex, origin: "http://localhost:03000", allowed: false, why: "leading zero"),
        Case(origins: spec, regexes: specRegex, origin: "http://localhost:", allowed: false, why: "empty port"),
        Case(origins: spec, regexes: specRegex, origin: "https://localhost:3000", allowed: false, why: "scheme differs"),
        Case(origins: spec, regexes: specRegex, origin: "http://localhost.evil.com", allowed: false, why: "host differs"),
        // Regexes: whole match only, and only on valid origins.
        Case(origins: spec, regexes: specRegex, origin: "https://pr-12.preview.example.net", allowed: true, why: "regex whole match"),
        Case(origins: spec, regexes: specRegex, origin: "https://pr-12.preview.example.net.evil.com", allowed: false, why: "regex must match the end"),
        Case(origins: spec, regexes: specRegex, origin: "https://xpr-12.preview.example.net", allowed: false, why: "regex must match the start"),
        Case(origins: spec, regexes: specRegex, origin: "https://pr-12.preview.example.net/", allowed: false, why: "regex never sees a non-origin"),
        Case(origins: [], regexes: ["https://.*"], origin: "https://a.com/x", allowed: false, why: "grammar before regex"),
        Case(origins: [], regexes: ["https://[a-z]+\\.example\\.com"], origin: "https://a.example.com", allowed: true, why: "regex"),
        Case(origins: [], regexes: ["([a-z]+)\\.bar"], origin: "https://foo.bar.org", allowed: false, why: "no partial regex match"),
        // `*`, `null`.
        Case(origins: ["*"], origin: "https://anything.test", allowed: true, why: "* allows every origin"),
        Case(origins: ["*"], origin: "https://Anything.test", allowed: false, why: "* does not cover invalid values"),
        Case(origins: ["*"], origin: "null", allowed: false, why: "* does not cover null"),
        Case(origins: spec, origin: "null", allowed: false, why: "null not listed"),
        Case(origins: ["null"], origin: "null", allowed: true, why: "null listed"),
        Case(origins: ["null"], credentials: true, origin: "null", allowed: false, why: "null never with credentials"),
        Case(origins: ["null"], origin: "Null", allowed: false, why: "null is exact bytes"),
        // Several exact entries never combine (GHSA-vhxv-fg4m-p2w8).
        Case(origins: ["https://foo.com", "https://bar.com"], origin: "https://barfoo.com", allowed: false, why: "no combination of entries"),
        Case(origins: ["https://foo.com", "https://bar.com"], origin: "https://foobar.com", allowed: false, why: "no combination of entries"),
        // Ports, IPv6, other schemes, combined wildcards.
        Case(origins: ["https://a.com:8443"], origin: "https://a.com:8443", allowed: true, why: "explicit port"),
        Case(origins: ["http://[::1]:8080"], origin: "http://[::1]:8080", allowed: true, why: "IPv6 literal"),
        Case(origins: ["http://[::1]:8080"], origin: "http://[::1]", allowed: false, why: "IPv6 port differs"),
        Case(origins: ["https://*.example.org:*"], origin: "https://a.example.org:8443", allowed: true, why: "labels and any port"),
        Case(origins: ["https://*.example.org:*"], origin: "https://a.example.org", allowed: true, why: "labels, no port"),
        Case(origins: ["https://*.example.org:*"], origin: "https://example.org:8443", allowed: false, why: "still not the apex"),
        Case(origins: ["https://*.example.org:8443"], origin: "https://a.example.org:8443", allowed: true, why: "labels and that port"),
        Case(origins: ["https://*.example.org:8443"], origin: "https://a.example.org:9443", allowed: false, why: "labels, other port"),
        Case(origins: ["chrome-extension://abcdefgh"], origin: "chrome-extension://abcdefgh", allowed: true, why: "non-http scheme"),
        // Entries `check` would refuse never widen the policy.
        Case(origins: ["https://h*"], origin: "https://hacker.com", allowed: false, why: "a partial wildcard matches nothing"),
        Case(origins: ["https://App.example.com"], origin: "https://app.example.com", allowed: false, why: "an unnormalised entry is not rewritten"),
        Case(origins: ["https://*.example.org/"], origin: "https://a.example.org", allowed: false, why: "an entry with a path matches nothing"),
    ]

    @Test("originAllowed", arguments: cases)
    func originAllowed(_ testCase: Case) {
        let policy = compile(corsConfig {
            $0.allowOrigins = testCase.origins
            $0.allowOriginRegex = testCase.regexes
            $0.allowCredentials = testCase.credentials
        })
        let allowed = policy.originAllowed(testCase.origin)
        #expect(allowed == testCase.allowed)
    }

    @Test("an allowed origin is reflected byte for byte; a refused one never is", arguments: cases)
    func reflection(_ testCase: Case) {
        let policy = compile(corsConfig {
            $0.allowOrigins = testCase.origins
            $0.allowOriginRegex = testCase.regexes
            $0.allowCredentials = testCase.credentials
        })
        let response = policy.actualResponseHeaders(requestHeaders: [("Origin", testCase.origin)], responseHeaders: [])
        let acao = response.filter { $0.name == "Access-Control-Allow-Origin" }.map(\.value)
        let expected = testCase.allowed ? [testCase.origins == ["*"] ? "*" : testCase.origin] : []
        #expect(acao == expected)
    }

    @Test("one policy serves many threads: regex, wildcard and exact matching stay consistent")
    func concurrentUse() async {
        let policy = compile(corsConfig { $0.allowOrigins = Self.spec; $0.allowOriginRegex = Self.specRegex })
        let probes = Self.cases.filter { $0.origins == Self.spec && $0.regexes == Self.specRegex }
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var wrong = 0
                    for _ in 0..<200 {
                        for probe in probes where policy.originAllowed(probe.origin) != probe.allowed { wrong += 1 }
                    }
                    return wrong
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        #expect(probes.count > 30)
    }

    @Test("an invalid regex is the only thing that makes init throw")
    func invalidRegexThrows() {
        #expect(throws: (any Error).self) { try CORSPolicy(corsConfig { $0.allowOriginRegex = ["https://(a"] }) }
        #expect(throws: Never.self) { try CORSPolicy(corsConfig { $0.allowOrigins = ["not an origin", "https://*"] }) }
    }
}
