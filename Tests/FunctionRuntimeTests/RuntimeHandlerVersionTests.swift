import Testing

@testable import FunctionRuntime

@Suite("RuntimeHandlerVersion (SPEC §5)")
struct RuntimeHandlerVersionTests {
    /// Valid config values and whether the function sees headers and cookies.
    static let classified: [(String, Bool)] = [
        ("1.0.1", false), ("1.1.3", false), ("1.1.99", false), ("0.9.0", false),
        ("1.2.0-rc.1", false), ("1.2.0-rc.3", false), ("1.2.0-beta.0", false), ("1.2.0-0", false),
        ("1.2.0", true), ("1.2.0+build.7", true), ("1.2.1", true), ("1.3.0", true), ("2.0.1", true),
        ("2.1.2", true), ("2.1.2-rc.1", true), ("10.0.0", true), ("1.10.0", true),
        ("1.1.3+meta", false), ("1.1.3-rc.1+meta", false),
    ]

    @Test(arguments: classified)
    func exactSemverIsClassifiedByPrecedence(value: String, sees: Bool) {
        let parsed = RuntimeHandlerVersion(configValue: value)
        let seesHeaders = parsed?.seesHeadersAndCookies
        #expect(parsed == .version(value))
        #expect(seesHeaders == sees)
    }

    @Test func classicIsBelow() {
        let parsed = RuntimeHandlerVersion(configValue: "classic")
        let sees = parsed?.seesHeadersAndCookies
        #expect(parsed == .classic)
        #expect(sees == false)
    }

    static let invalid: [String] = [
        "", " ", "1", "1.2", "1.2.0.0", "v1.2.0", "=1.2.0", " 1.2.0", "1.2.0 ", "^1.2.0", "~1.2",
        "~1.2.0", "*", "latest", ">=1", ">=1.2.0", "1.x", "1.2.x", "1.2.*", "x.x.x", "next",
        "Classic", "CLASSIC", "classic ", "01.2.0", "1.02.0", "1.2.00", "+1.2.0", "-1.2.0",
        "1.2.0-", "1.2.0+", "1.2.0-rc..1", "1.2.0-rc.01", "1.2.0-rc_1", "1.2.0+b..1", "1.2.0-é",
        "1.2.0 - 2.0.0", "1.2.0 || 2.0.0", "1.2.-0", "a.b.c", "１.2.0", "99999999999999999999.0.0",
        "1.2.0\n",
    ]

    @Test(arguments: invalid)
    func anythingElseIsRejected(value: String) {
        let parsed = RuntimeHandlerVersion(configValue: value)
        #expect(parsed == nil)
    }

    @Test func strictGrammarEdgesThatAreValid() {
        let values = ["0.0.0", "1.2.0-rc-1", "1.2.0--", "1.2.0-0a", "1.2.0+001", "1.2.0-x.7.z.92+exp.sha.5114f85"]
        let parsed = values.map { RuntimeHandlerVersion(configValue: $0) }
        #expect(parsed == values.map { .version($0) })
    }

    /// Found by fuzzing (FuzzPackageJSON): mxcl/Version starts the pre-release at the first "-"
    /// anywhere, so a hyphen in build metadata (valid semver) made the version unparseable.
    @Test func aHyphenInBuildMetadataIsValid() {
        let values = ["1.2.0+build-5", "1.1.3+a-b", "1.10.1+0000000000000000.0-aw55553", "2.0.0-rc.1+x-y"]
        let parsed = values.map { RuntimeHandlerVersion(configValue: $0) }
        let sees = parsed.map { $0?.seesHeadersAndCookies }
        #expect(parsed == values.map { .version($0) })
        #expect(sees == [true, false, true, true])
    }

    @Test func handMadeGarbageFailsClosed() {
        let sees = RuntimeHandlerVersion.version("^1.2.0").seesHeadersAndCookies
        #expect(sees == false)
    }

    @Test func descriptionIsAsWritten() {
        let texts = [RuntimeHandlerVersion.classic, .version("1.2.0-rc.1")].map(\.description)
        #expect(texts == ["classic", "1.2.0-rc.1"])
    }
}
