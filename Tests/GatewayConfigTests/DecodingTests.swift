import GatewayConfig
import Testing

@Suite("Decoding gateway.json")
struct DecodingTests {
    @Test("defaults from SPEC §3 fill every absent key")
    func defaultsApplied() throws {
        let result = load(#"{ "backends": { "b": { "url": "http://127.0.0.1:9001" } }, "routes": [] }"#)
        #expect(result.isValid, "\(result.errorDescriptions)")
        let config = try #require(result.config)
        #expect(config.listen.map(\.address) == ["0.0.0.0:8080"])
        #expect(config.admin == "127.0.0.1:9901")
        #expect(config.limits == Limits(
            maxRequestHeaderBytes: 15360, maxRequestHeaders: 90, maxRequestBodyBytes: 6_291_456,
            maxResponseHeaderBytes: 15360, headerTimeoutMs: 10000, idleTimeoutMs: 60000, maxConnections: 10000))
        #expect(config.backends["b"] == BackendConfig(
            url: "http://127.0.0.1:9001", connectTimeoutMs: 2000, responseTimeoutMs: 30000, maxConnections: 256))
        #expect(config.defaults == nil)
        #expect(result.hasWarning(at: "routes", containing: "no routes"))
    }

    @Test("a limit set in the file replaces only that default")
    func partialLimits() throws {
        let result = load(configJSON(routes: "", top: #""limits": { "maxRequestHeaders": 5, "idleTimeoutMs": 1 }"#))
        let limits = try #require(result.config?.limits)
        #expect(limits.maxRequestHeaders == 5)
        #expect(limits.idleTimeoutMs == 1)
        #expect(limits.maxRequestBodyBytes == 6_291_456)
    }

    @Test("admin: absent takes the default, null disables, a string replaces")
    func adminForms() throws {
        #expect(load(configJSON(routes: "")).config?.admin == "127.0.0.1:9901")
        let disabled = try #require(load(configJSON(routes: "", top: #""admin": null"#)).config)
        #expect(disabled.admin == nil)
        #expect(load(configJSON(routes: "", top: #""admin": "[::1]:9999""#)).config?.admin == "[::1]:9999")
    }

    static let unknownKeys: [(json: String, path: String, allowed: String)] = [
        (configJSON(routes: "", top: #""lisen": []"#), "lisen", "allowed: listen, admin, probes, limits, backends, defaults, routes"),
        (configJSON(routes: "", top: #""limits": { "maxBody": 1 }"#), "limits.maxBody", "maxRequestHeaderBytes"),
        (configJSON(routes: "", backends: #""functions": { "url": "http://h", "timeout": 1 }"#), "backends.functions.timeout", "connectTimeoutMs"),
        (configJSON(routes: routeJSON("a", extra: #""methods": ["GET"]"#)), "routes[0].methods", "name, match, backend"),
        (configJSON(routes: routeJSON("a", match: #""paht": "/x", "path": "/x""#)), "routes[0].match.paht", "allowed: hosts, path, pathPrefix, methods"),
        (configJSON(routes: routeJSON("a", extra: #""rewrite": { "strip": "/" }"#)), "routes[0].rewrite.strip", "allowed: stripPrefix"),
        (configJSON(routes: routeJSON("a", extra: #""headers": { "requests": {} }"#)), "routes[0].headers.requests", "allowed: request, response"),
        (configJSON(routes: routeJSON("a", extra: #""headers": { "request": { "add": {} } }"#)), "routes[0].headers.request.add", "allowed: set, remove"),
        (configJSON(routes: "", top: #""defaults": { "cros": {} }"#), "defaults.cros", "allowed: cors, cookies"),
    ]

    @Test("an unknown key is an error at its exact path", arguments: unknownKeys)
    func unknownKey(json: String, path: String, allowed: String) {
        let result = load(json)
        #expect(!result.isValid)
        #expect(result.hasError(at: path, containing: "unknown key; allowed: "), "\(result.errorDescriptions)")
        #expect(result.hasError(at: path, containing: allowed), "\(result.errorDescriptions)")
    }

    @Test("the documented message format for an unknown key")
    func unknownKeyMessage() {
        let result = load(configJSON(routes: routeJSON("a", match: #""path": "/x", "paht": "/x""#)))
        #expect(result.errorDescriptions == ["routes[0].match.paht: unknown key; allowed: hosts, path, pathPrefix, methods"])
    }

    static let wrongTypes: [(json: String, path: String, message: String)] = [
        (configJSON(routes: "", top: #""listen": "0.0.0.0:8080""#), "listen", "expected an array of \"host:port\" strings or { \"address\", \"tls\" } objects, got the string \"0.0.0.0:8080\""),
        (configJSON(routes: "", top: #""limits": { "maxConnections": "10" }"#), "limits.maxConnections", "expected a positive integer, got the string \"10\""),
        (configJSON(routes: "", top: #""limits": { "maxConnections": 0 }"#), "limits.maxConnections", "expected a positive integer, got the number 0"),
        (configJSON(routes: "", top: #""limits": { "headerTimeoutMs": 1.5 }"#), "limits.headerTimeoutMs", "expected a positive integer, got the number 1.5"),
        (configJSON(routes: "", top: #""limits": { "idleTimeoutMs": true }"#), "limits.idleTimeoutMs", "expected a positive integer, got true"),
        (configJSON(routes: "", top: #""limits": []"#), "limits", "expected an object, got an array"),
        (configJSON(routes: "", backends: #""functions": { "url": 9001 }"#), "backends.functions.url", "expected a string, got the number 9001"),
        (configJSON(routes: "", backends: #""functions": { "url": "http://h", "caFile": 5 }"#), "backends.functions.caFile", "or null for the system trust store"),
        (#"{ "backends": [], "routes": [] }"#, "backends", "expected an object of backend definitions, got an array"),
        (#"{ "backends": {}, "routes": {} }"#, "routes", "expected an array of routes, got an object"),
        (configJSON(routes: #"{ "name": 7, "match": { "path": "/" }, "backend": "web" }"#), "routes[0].name", "expected a string, got the number 7"),
        (configJSON(routes: routeJSON("a", match: #""path": "/", "methods": "GET""#)), "routes[0].match.methods", "expected an array of strings"),
        (configJSON(routes: routeJSON("a", match: #""path": "/", "hosts": ["a", 1]"#)), "routes[0].match.hosts[1]", "expected a string, got the number 1"),
        (configJSON(routes: routeJSON("a", extra: #""cors": []"#)), "routes[0].cors", "expected an object, got an array"),
        (configJSON(routes: routeJSON("a", extra: #""cookies": null"#)), "routes[0].cookies", "expected an object, got null"),
        (configJSON(routes: routeJSON("a", extra: #""headers": { "request": { "set": { "x-a": 1 } } }"#)), "routes[0].headers.request.set.x-a", "expected a string, got the number 1"),
        (configJSON(routes: "", top: #""admin": 9901"#), "admin", "or null to disable the admin API"),
        ("[]", "", "expected an object, got an array"),
    ]

    @Test("a wrong type names the path and the expected type", arguments: wrongTypes)
    func wrongType(json: String, path: String, message: String) {
        let result = load(json)
        #expect(result.hasError(at: path, containing: message), "\(result.errorDescriptions)")
    }

    static let missingKeys: [(json: String, path: String)] = [
        (#"{ "routes": [] }"#, "backends"),
        (#"{ "backends": {} }"#, "routes"),
        (configJSON(routes: "", backends: #""functions": {}"#), "backends.functions.url"),
        (configJSON(routes: #"{ "match": { "path": "/" }, "backend": "web" }"#), "routes[0].name"),
        (configJSON(routes: #"{ "name": "a", "backend": "web" }"#), "routes[0].match"),
        (configJSON(routes: #"{ "name": "a", "match": { "path": "/" } }"#), "routes[0].backend"),
    ]

    @Test("a missing required key is reported at its path", arguments: missingKeys)
    func missingKey(json: String, path: String) {
        let result = load(json)
        #expect(result.hasError(at: path, containing: "required key is missing"), "\(result.errorDescriptions)")
    }

    @Test("a duplicate top-level key rejects the file")
    func duplicateTopLevelKey() {
        let result = load(#"{ "backends": {}, "routes": [], "routes": [] }"#)
        #expect(result.config == nil)
        #expect(result.topLevelErrors.map(\.description) == [
            "routes: duplicate key (again at line 1, column 33); a key may appear only once per object",
        ])
    }

    @Test("a duplicate key inside a route rejects only that route")
    func duplicateKeyInRoute() throws {
        let result = load(configJSON(routes: routeJSON("a", match: #""path": "/a", "path": "/b""#) + "," + routeJSON("b")))
        #expect(result.topLevelErrors.isEmpty)
        #expect(result.routeErrors.count == 1)
        #expect(result.routeErrors.first?.routeName == "a")
        #expect(result.hasError(at: "routes[0].match.path", containing: "duplicate key"))
        #expect(try #require(result.table).routes.map(\.name) == ["b"])
    }

    static let syntaxErrors: [(json: String, message: String)] = [
        ("", "invalid JSON at line 1, column 1: the file is empty"),
        ("{\n  \"a\": 1,\n}", "invalid JSON at line 3, column 1: trailing comma before '}'"),
        ("[1, 2,]", "invalid JSON at line 1, column 7: trailing comma before ']'"),
        ("{\n  // comment\n}", "invalid JSON at line 2, column 3: comments are not allowed in JSON"),
        ("{\"a\" 1}", "invalid JSON at line 1, column 6: unexpected '1'; expected ':' after the key \"a\""),
        ("{\"a\": \"unterminated}", "invalid JSON at line 1, column 7: unterminated string"),
        ("{\"a\": 01}", "invalid JSON at line 1, column 7: leading zeros are not allowed"),
        ("{\"a\": \"\\x\"}", "invalid JSON at line 1, column 8: invalid escape"),
        ("{\"a\": tru}", "invalid JSON at line 1, column 7: unexpected 't'; expected a value"),
        ("{} {}", "invalid JSON at line 1, column 4: unexpected '{' after the end of the JSON document"),
        ("{\"é\": x}", "invalid JSON at line 1, column 7: unexpected 'x'; expected a value"),
        ("{\"a\": \"\\ud800\"}", "unpaired UTF-16 surrogate"),
        ("{\"a\": \"line\nbreak\"}", "control character in a string"),
        (String(repeating: "[", count: 200), "nesting is deeper than 128 levels"),
    ]

    @Test("a JSON syntax error gives its line and column", arguments: syntaxErrors)
    func syntaxError(json: String, message: String) throws {
        let result = load(json)
        #expect(result.config == nil && result.table == nil)
        let error = try #require(result.topLevelErrors.first)
        #expect(result.allErrors.count == 1)
        #expect(error.path == "")
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test("invalid UTF-8 inside a string is a syntax error")
    func invalidUTF8() throws {
        let bytes = Array(#"{"backends": {"#.utf8) + [0x22, 0xFF, 0x22] + Array(": {}}, \"routes\": []}".utf8)
        let result = ConfigLoader.parse(data: bytes)
        #expect(try #require(result.topLevelErrors.first).message.contains("not valid UTF-8"))
    }

    @Test("cors and cookies stay raw JSON, keeping key order, booleans and escapes")
    func rawJSONPreserved() throws {
        // cors and cookies are validated but kept as written (for /config).
        let cors = #"{ "mode": "report-only", "allowOrigins": ["HTTPS://App.example.com"], "debug": true, "maxAge": 2.5e1, "allowOriginRegex": ["https://\u00e9\\.example"] }"#
        let cookies = #"{ "sameSite": null, "maxAge": 3.6e3, "forward": ["\u0073id", "b"], "domain": "app.example.com", "httpOnly": false }"#
        let result = load(configJSON(routes: routeJSON("a", extra: #""cors": \#(cors), "cookies": \#(cookies)"#)))
        #expect(result.isValid, "\(result.errorDescriptions)")
        let route = try #require(result.config?.routes.first)
        let expectedCORS: JSONValue = .object([
            ("mode", .string("report-only")),
            ("allowOrigins", .array([.string("HTTPS://App.example.com")])),
            ("debug", .bool(true)),
            ("maxAge", .number(25)),
            ("allowOriginRegex", .array([.string("https://é\\.example")])),
        ])
        let expectedCookies: JSONValue = .object([
            ("sameSite", .null),
            ("maxAge", .number(3600)),
            ("forward", .array([.string("sid"), .string("b")])),
            ("domain", .string("app.example.com")),
            ("httpOnly", .bool(false)),
        ])
        #expect(route.cors == expectedCORS)
        #expect(route.cookies == expectedCookies)
        #expect(route.cookies != .object([("maxAge", .number(3600)), ("sameSite", .null)]))
        #expect(route.cors?["debug"] == .bool(true))
        // The compiled policy uses the normalised origin; the model keeps the spelling.
        let compiled = try #require(result.table?.routes.first?.cors)
        #expect(compiled.config.allowOrigins == ["https://app.example.com"])
    }

    @Test("a UTF-8 byte order mark is skipped")
    func byteOrderMark() {
        let result = ConfigLoader.parse(data: [0xEF, 0xBB, 0xBF] + Array(configJSON(routes: "").utf8))
        #expect(result.isValid, "\(result.errorDescriptions)")
    }
}
