import Foundation
import GatewayConfig
import Testing

/// SPEC §11's `limits.encodedSlashes`: "reject" (the default) or "keep", strictly decoded, shown
/// by `/config`, and a changed value is a changed `limits` on reload.
@Suite("limits.encodedSlashes")
struct EncodedSlashesLimitTests {
    @Test("absent: reject, in the model and in Limits()")
    func defaultIsReject() throws {
        let config = try #require(load(configJSON(routes: "")).config)
        #expect(config.limits.encodedSlashes == .reject)
        #expect(Limits().encodedSlashes == .reject)
    }

    @Test("each allowed value decodes and leaves the other limits at their defaults", arguments: Limits.EncodedSlashes.allCases)
    func allowedValues(mode: Limits.EncodedSlashes) throws {
        let result = load(configJSON(routes: "", top: #""limits": { "encodedSlashes": "\#(mode.rawValue)" }"#))
        #expect(result.isValid, "\(result.errorDescriptions)")
        #expect(result.config?.limits == Limits(encodedSlashes: mode))
    }

    static let invalidValues: [(json: String, got: String)] = [
        (#""Keep""#, #"the string "Keep""#),
        (#""decode""#, #"the string "decode""#),
        (#""""#, #"the string """#),
        ("true", "true"),
        ("null", "null"),
        ("1", "the number 1"),
    ]

    @Test("anything else is an error at limits.encodedSlashes naming the allowed values", arguments: invalidValues)
    func invalidValue(json: String, got: String) {
        let result = load(configJSON(routes: "", top: #""limits": { "encodedSlashes": \#(json) }"#))
        #expect(!result.isValid)
        #expect(result.errorDescriptions == [#"limits.encodedSlashes: expected one of "reject", "keep", got \#(got)"#])
    }

    @Test("a misspelt key is unknown, and the message lists encodedSlashes")
    func misspeltKey() {
        let result = load(configJSON(routes: "", top: #""limits": { "encodedSlash": "keep" }"#))
        #expect(result.hasError(at: "limits.encodedSlash", containing: "unknown key; allowed: "), "\(result.errorDescriptions)")
        #expect(result.hasError(at: "limits.encodedSlash", containing: "encodedSlashes"), "\(result.errorDescriptions)")
    }

    @Test("/config's limits show it, and the shown config loads back equal")
    func shownAndReadBack() throws {
        let original = try #require(load(configJSON(routes: "", top: #""limits": { "encodedSlashes": "keep" }"#)).config)
        #expect(original.limits.jsonValue.serialized().contains(#""maxConnections":10000,"encodedSlashes":"keep""#))
        let reloaded = ConfigLoader.parse(data: Array(original.jsonValue.serialized().utf8))
        #expect(reloaded.config == original)
        let decoded = try JSONDecoder().decode(Limits.self, from: Data(#"{ "encodedSlashes": "keep" }"#.utf8))
        #expect(decoded == Limits(encodedSlashes: .keep))
        let error = try #require(throws: ConfigDecodingError.self) {
            try JSONDecoder().decode(Limits.self, from: Data(#"{ "encodedSlashes": "allow" }"#.utf8))
        }
        #expect(error.errors.map(\.path) == ["encodedSlashes"])
    }

    @Test("reload: writing out the default is no change; a changed value changes limits")
    func reload() throws {
        let routes = [ReloadPlannerTests.route("a")]
        let active = try ReloadPlannerTests.start(ReloadPlannerTests.file(routes: routes))
        let sameDefault = ReloadPlannerTests.reload(
            active, to: ReloadPlannerTests.file(routes: routes, extra: #", "limits": {"encodedSlashes": "reject"}"#))
        #expect(sameDefault.report.result == .unchanged)
        #expect(sameDefault.report.settings.isEmpty)
        let changed = ReloadPlannerTests.reload(
            active, to: ReloadPlannerTests.file(routes: routes, extra: #", "limits": {"encodedSlashes": "keep"}"#))
        #expect(changed.report.settings == ["limits"])
        #expect(changed.next?.limits.encodedSlashes == .keep)
    }
}
