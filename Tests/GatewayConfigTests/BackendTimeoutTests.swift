import Foundation
import GatewayConfig
import Testing

/// SPEC §11's backend fields `idleTimeoutMs` and `queueTimeoutMs`: defaults, bounds, errors at
/// their JSON paths, `/config` output and reload.
@Suite("Backend idleTimeoutMs and queueTimeoutMs")
struct BackendTimeoutTests {
    static func backend(_ members: String) -> String {
        #""functions": { "url": "http://127.0.0.1:9001"\#(members.isEmpty ? "" : ", " + members) }"#
    }

    @Test("absent: idleTimeoutMs 60000, queueTimeoutMs 5000, in the model and the compiled backend")
    func defaults() throws {
        let result = load(configJSON(routes: "", backends: Self.backend("")))
        #expect(result.isValid, "\(result.errorDescriptions)")
        let config = try #require(result.config?.backends["functions"])
        #expect((config.idleTimeoutMs, config.queueTimeoutMs) == (60000, 5000))
        let compiled = try #require(result.table?.backends["functions"])
        #expect((compiled.idleTimeoutMs, compiled.queueTimeoutMs) == (60000, 5000))
        #expect(BackendConfig(url: "http://h").idleTimeoutMs == 60000)
        #expect(BackendConfig(url: "http://h").queueTimeoutMs == 5000)
    }

    static let validValues = [1, 250, 60000, 3_600_000]

    @Test("a value from 1 to 3600000 is taken as written", arguments: validValues)
    func validValue(value: Int) throws {
        let result = load(configJSON(routes: "", backends: Self.backend(#""idleTimeoutMs": \#(value), "queueTimeoutMs": \#(value)"#)))
        #expect(result.isValid, "\(result.errorDescriptions)")
        #expect(!result.warnings.contains { $0.path.hasPrefix("backends") }, "\(result.warnings)")
        let config = try #require(result.config?.backends["functions"])
        #expect((config.idleTimeoutMs, config.queueTimeoutMs) == (value, value))
        let compiled = try #require(result.table?.backends["functions"])
        #expect((compiled.idleTimeoutMs, compiled.queueTimeoutMs) == (value, value))
    }

    @Test("the two fields are independent of each other and of the other timeouts")
    func independentFields() throws {
        let result = load(configJSON(routes: "", backends: Self.backend(
            #""connectTimeoutMs": 5, "responseTimeoutMs": 6, "idleTimeoutMs": 7, "queueTimeoutMs": 8, "maxConnections": 9"#)))
        let compiled = try #require(result.table?.backends["functions"])
        #expect((compiled.connectTimeoutMs, compiled.responseTimeoutMs, compiled.idleTimeoutMs, compiled.queueTimeoutMs, compiled.maxConnections)
            == (5, 6, 7, 8, 9))
    }

    /// Each JSON value that is not an integer from 1 to 3600000, with how the message names it.
    static let invalidValues: [(json: String, got: String)] = [
        ("0", "the number 0"),
        ("-1", "the number -1"),
        ("3600001", "the number 3600001"),
        ("86400000", "the number 86400000"),
        ("1.5", "the number 1.5"),
        ("1e20", "the number 1e+20"),
        (#""1000""#, #"the string "1000""#),
        ("true", "true"),
        ("null", "null"),
        ("[1000]", "an array"),
        (#"{ "ms": 1000 }"#, "an object"),
    ]

    @Test("anything else is an error at backends.NAME.idleTimeoutMs saying what is allowed", arguments: invalidValues)
    func invalidIdleTimeout(json: String, got: String) {
        let result = load(configJSON(routes: "", backends: Self.backend(#""idleTimeoutMs": \#(json)"#)))
        #expect(result.config == nil)
        #expect(result.errorDescriptions == ["backends.functions.idleTimeoutMs: expected an integer from 1 to 3600000, got \(got)"])
    }

    @Test("anything else is an error at backends.NAME.queueTimeoutMs saying what is allowed", arguments: invalidValues)
    func invalidQueueTimeout(json: String, got: String) {
        let result = load(configJSON(routes: "", backends: Self.backend(#""queueTimeoutMs": \#(json)"#)))
        #expect(result.config == nil)
        #expect(result.errorDescriptions == ["backends.functions.queueTimeoutMs: expected an integer from 1 to 3600000, got \(got)"])
    }

    @Test("both invalid: one error each, at each path")
    func bothInvalid() {
        let result = load(configJSON(routes: "", backends: Self.backend(#""idleTimeoutMs": 0, "queueTimeoutMs": 3600001"#)))
        #expect(Set(result.allErrors.map(\.path)) == ["backends.functions.idleTimeoutMs", "backends.functions.queueTimeoutMs"])
    }

    @Test("the older timeouts keep their bounds: any positive integer, even beyond an hour")
    func olderTimeoutsUnchanged() throws {
        let result = load(configJSON(routes: "", backends: Self.backend(#""connectTimeoutMs": 86400000, "responseTimeoutMs": 86400000"#)))
        #expect(result.isValid, "\(result.errorDescriptions)")
        #expect(result.table?.backends["functions"]?.responseTimeoutMs == 86_400_000)
    }

    @Test("keys stay strict: a misspelling is an unknown key whose message lists both new keys")
    func unknownKeyListsNewFields() {
        let result = load(configJSON(routes: "", backends: Self.backend(#""idleTimeout": 1000"#)))
        #expect(result.errorDescriptions == [
            "backends.functions.idleTimeout: unknown key; allowed: url, runtimeHandler, packageJson, connectTimeoutMs, responseTimeoutMs, idleTimeoutMs, queueTimeoutMs, maxConnections, caFile",
        ])
    }

    @Test("Decodable for a backend applies the same bounds")
    func decodableBackend() throws {
        let decoded = try JSONDecoder().decode(BackendConfig.self, from: Data(#"{ "url": "http://h", "queueTimeoutMs": 7 }"#.utf8))
        #expect(decoded == BackendConfig(url: "http://h", queueTimeoutMs: 7))
        let error = try #require(throws: ConfigDecodingError.self) {
            try JSONDecoder().decode(BackendConfig.self, from: Data(#"{ "url": "http://h", "idleTimeoutMs": 0 }"#.utf8))
        }
        #expect(error.errors.map(\.path) == ["idleTimeoutMs"])
    }

    @Test("/config's backends section shows both fields after responseTimeoutMs, defaults written out, and loads back equal")
    func configJSONRoundTrip() throws {
        let original = try #require(load(configJSON(routes: "", backends: #"""
            "a": { "url": "http://127.0.0.1:9001", "idleTimeoutMs": 1500, "queueTimeoutMs": 250 },
            "b": { "url": "http://127.0.0.1:9002" }
            """#)).config)
        let a = original.backends["a"]?.jsonValue.serialized()
        #expect(a == #"{"url":"http://127.0.0.1:9001","connectTimeoutMs":2000,"responseTimeoutMs":30000,"idleTimeoutMs":1500,"queueTimeoutMs":250,"maxConnections":256,"caFile":null}"#)
        let text = original.jsonValue.serialized()
        #expect(text.contains(#""responseTimeoutMs":30000,"idleTimeoutMs":60000,"queueTimeoutMs":5000,"maxConnections":256"#), "\(text)")
        let reloaded = ConfigLoader.parse(data: Array(text.utf8))
        #expect(reloaded.isValid, "\(reloaded.errorDescriptions)")
        #expect(reloaded.config == original)
        #expect(reloaded.config?.backends["a"]?.idleTimeoutMs == 1500)
        #expect(reloaded.config?.backends["a"]?.queueTimeoutMs == 250)
        let encoded = ConfigLoader.parse(data: Array(try JSONEncoder().encode(original)))
        #expect(encoded.config == original)
    }

    @Test("backend equality: a changed value is a changed backend, the default written out is not")
    func backendEquality() {
        let plain = BackendConfig(url: "http://127.0.0.1:9001")
        let decoded = { (members: String) in load(configJSON(routes: "", backends: Self.backend(members))).config?.backends["functions"] }
        #expect(decoded(#""idleTimeoutMs": 60000, "queueTimeoutMs": 5000"#) == plain)
        #expect(decoded(#""idleTimeoutMs": 1000"#) != plain)
        #expect(decoded(#""queueTimeoutMs": 100"#) != plain)
        #expect(decoded(#""idleTimeoutMs": 1000"#) == BackendConfig(url: "http://127.0.0.1:9001", idleTimeoutMs: 1000))
    }

    @Test("reload: a changed idleTimeoutMs or queueTimeoutMs changes the backend and applies its routes", arguments: [
        ("idleTimeoutMs", 1000), ("queueTimeoutMs", 100),
    ])
    func reloadSeesChange(key: String, value: Int) throws {
        let routes = [ReloadPlannerTests.route("a", path: "/a"), ReloadPlannerTests.route("b", path: "/b", backend: "other")]
        let backends = { (members: String) in
            #""fn": {"url": "http://127.0.0.1:9001"\#(members)}, "other": {"url": "http://127.0.0.1:9002"}"#
        }
        let active = try ReloadPlannerTests.start(ReloadPlannerTests.file(routes: routes, backends: backends("")))

        // Writing out the default is no change.
        let sameDefault = ReloadPlannerTests.reload(active, to: ReloadPlannerTests.file(
            routes: routes, backends: backends(key == "idleTimeoutMs" ? #", "idleTimeoutMs": 60000"# : #", "queueTimeoutMs": 5000"#)))
        #expect(sameDefault.report.result == .unchanged)
        #expect(sameDefault.report.backendsChanged.isEmpty)

        let outcome = ReloadPlannerTests.reload(active, to: ReloadPlannerTests.file(routes: routes, backends: backends(#", "\#(key)": \#(value)"#)))
        #expect(outcome.report.result == .applied)
        #expect(outcome.report.backendsChanged == ["fn"])
        #expect(outcome.report.applied == ["a"])
        #expect(outcome.report.unchanged == ["b"])
        let backend = try #require(outcome.next?.table.route(named: "a")?.backend)
        #expect((key == "idleTimeoutMs" ? backend.idleTimeoutMs : backend.queueTimeoutMs) == value)
        #expect(outcome.next?.backends["fn"].map { key == "idleTimeoutMs" ? $0.idleTimeoutMs : $0.queueTimeoutMs } == value)
    }
}
