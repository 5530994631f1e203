import GatewayConfig
import Testing

/// SPEC §11's `limits.bodyTimeoutMs`: default, bounds, errors at its JSON path, `/config` output.
@Suite("limits.bodyTimeoutMs")
struct BodyTimeoutConfigTests {
    @Test("absent: 60000")
    func defaultValue() throws {
        let result = load(configJSON(routes: ""))
        #expect(result.isValid, "\(result.errorDescriptions)")
        #expect(result.config?.limits.bodyTimeoutMs == 60000)
        #expect(Limits().bodyTimeoutMs == 60000)
    }

    @Test("1 to 3600000 is taken as written", arguments: [1, 400, 3_600_000])
    func validValue(value: Int) throws {
        let result = load(configJSON(routes: "", top: #""limits": { "bodyTimeoutMs": \#(value) }"#))
        #expect(result.isValid, "\(result.errorDescriptions)")
        #expect(result.config?.limits.bodyTimeoutMs == value)
    }

    @Test("anything else is an error at limits.bodyTimeoutMs saying what is allowed",
          arguments: [("0", "the number 0"), ("3600001", "the number 3600001"), (#""60""#, #"the string "60""#), ("1.5", "the number 1.5")])
    func invalidValue(json: String, got: String) {
        let result = load(configJSON(routes: "", top: #""limits": { "bodyTimeoutMs": \#(json) }"#))
        #expect(result.config == nil)
        #expect(result.errorDescriptions == ["limits.bodyTimeoutMs: expected an integer from 1 to 3600000, got \(got)"])
    }

    @Test("written by /config and read back")
    func roundTrip() throws {
        let original = try #require(load(configJSON(routes: "", top: #""limits": { "bodyTimeoutMs": 1234 }"#)).config)
        let text = original.jsonValue.serialized()
        #expect(text.contains(#""idleTimeoutMs":60000,"bodyTimeoutMs":1234,"maxPipelinedRequests":16"#), "\(text)")
        #expect(ConfigLoader.parse(data: Array(text.utf8)).config == original)
    }
}

/// SPEC §11's `limits.maxPipelinedRequests`: default, bounds, errors at its JSON path, `/config`.
@Suite("limits.maxPipelinedRequests")
struct MaxPipelinedRequestsConfigTests {
    @Test("absent: 16; 1 to 1024 taken as written", arguments: [nil, 1, 16, 1024])
    func validValue(value: Int?) {
        let top = value.map { #""limits": { "maxPipelinedRequests": \#($0) }"# } ?? ""
        let result = load(configJSON(routes: "", top: top))
        #expect(result.isValid, "\(result.errorDescriptions)")
        #expect(result.config?.limits.maxPipelinedRequests == value ?? 16)
    }

    @Test("anything else is an error at limits.maxPipelinedRequests saying what is allowed",
          arguments: [("0", "the number 0"), ("1025", "the number 1025"), ("true", "true")])
    func invalidValue(json: String, got: String) {
        let result = load(configJSON(routes: "", top: #""limits": { "maxPipelinedRequests": \#(json) }"#))
        #expect(result.config == nil)
        #expect(result.errorDescriptions == ["limits.maxPipelinedRequests: expected an integer from 1 to 1024, got \(got)"])
    }

    @Test("written by /config and read back")
    func roundTrip() throws {
        let original = try #require(load(configJSON(routes: "", top: #""limits": { "maxPipelinedRequests": 3 }"#)).config)
        let text = original.jsonValue.serialized()
        #expect(text.contains(#""bodyTimeoutMs":60000,"maxPipelinedRequests":3,"maxConnections""#), "\(text)")
        #expect(ConfigLoader.parse(data: Array(text.utf8)).config == original)
    }
}
