import Foundation
import GatewayConfig
import Testing

/// SPEC §11's `limits.underscoreHeaders`: its default, its values, errors at its JSON path and
/// `/config` output.
@Suite("limits.underscoreHeaders")
struct UnderscoreHeadersTests {
    @Test("absent: drop, as nginx does by default")
    func defaultIsDrop() throws {
        let result = load(configJSON(routes: ""))
        #expect(result.isValid, "\(result.errorDescriptions)")
        #expect(result.config?.limits.underscoreHeaders == .drop)
        #expect(Limits().underscoreHeaders == .drop)
    }

    @Test("each allowed value is taken as written", arguments: Limits.UnderscoreHeaders.allCases)
    func allowedValue(mode: Limits.UnderscoreHeaders) throws {
        let result = load(configJSON(routes: "", top: #""limits": { "underscoreHeaders": "\#(mode.rawValue)" }"#))
        #expect(result.isValid, "\(result.errorDescriptions)")
        #expect(result.config?.limits.underscoreHeaders == mode)
        #expect(result.config?.limits.maxRequestHeaders == 90, "the other limits keep their defaults")
    }

    static let invalidValues: [(json: String, message: String)] = [
        (#""strip""#, #"expected one of "drop", "reject", "allow", got the string "strip""#),
        (#""Drop""#, #"expected one of "drop", "reject", "allow", got the string "Drop""#),
        ("true", #"expected one of "drop", "reject", "allow", got true"#),
        ("null", #"expected one of "drop", "reject", "allow", got null"#),
    ]

    @Test("anything else is an error at limits.underscoreHeaders", arguments: invalidValues)
    func invalidValue(json: String, message: String) {
        let result = load(configJSON(routes: "", top: #""limits": { "underscoreHeaders": \#(json) }"#))
        #expect(!result.isValid)
        #expect(result.errorDescriptions == ["limits.underscoreHeaders: \(message)"])
    }

    @Test("a misspelt key lists underscoreHeaders among the allowed ones")
    func unknownKeyListsIt() {
        let result = load(configJSON(routes: "", top: #""limits": { "underscoreHeader": "drop" }"#))
        #expect(result.hasError(at: "limits.underscoreHeader", containing: "encodedSlashes, underscoreHeaders"), "\(result.errorDescriptions)")
    }

    @Test("/config shows it and it loads back equal")
    func configJSONRoundTrip() throws {
        let original = try #require(load(configJSON(routes: "", top: #""limits": { "underscoreHeaders": "reject" }"#)).config)
        let text = original.jsonValue.serialized()
        #expect(text.contains(#""encodedSlashes":"reject","underscoreHeaders":"reject"}"#), "\(text)")
        let reloaded = ConfigLoader.parse(data: Array(text.utf8))
        #expect(reloaded.config == original)
        let decoded = try JSONDecoder().decode(Limits.self, from: Data(#"{ "underscoreHeaders": "allow" }"#.utf8))
        #expect(decoded == Limits(underscoreHeaders: .allow))
    }
}
