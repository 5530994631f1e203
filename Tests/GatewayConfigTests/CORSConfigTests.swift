import CORSPolicy
import GatewayConfig
import Testing

/// SPEC §3/§4: `cors` objects are decoded strictly, validated with exact paths, and merged
/// field by field over `defaults.cors` into each route's compiled policy.
@Suite("cors in gateway.json")
struct CORSConfigTests {
    /// A config with one route whose `cors` is `cors`, plus optional `defaults.cors`.
    static func corsRoute(_ cors: String?, defaults: String? = nil) -> ConfigLoadResult {
        let top = defaults.map { #""defaults": { "cors": \#($0) }"# } ?? ""
        let extra = cors.map { #""cors": \#($0)"# } ?? ""
        return load(configJSON(
            routes: routeJSON("ok", match: #""pathPrefix": "/ok""#) + ", " + routeJSON("r", match: #""pathPrefix": "/r""#, extra: extra),
            top: top))
    }

    static let routeErrors: [(cors: String, path: String, message: String)] = [
        (#"{ "allowOrgins": [] }"#, "routes[1].cors.allowOrgins", "unknown key; allowed: allowOrigins, allowOriginRegex, allowMethods, allowHeaders, exposeHeaders, allowCredentials, maxAge, allowPrivateNetwork, preflight, preflightStatus, backendHeaders, mode, debug"),
        (#"{ "allowOrigins": "https://a.com" }"#, "routes[1].cors.allowOrigins", "expected an array of strings, got the string"),
        (#"{ "allowOrigins": [1] }"#, "routes[1].cors.allowOrigins[0]", "expected a string, got the number 1"),
        (#"{ "allowOrigins": ["https://a.com", "https://a.com/"] }"#, "routes[1].cors.allowOrigins[1]", "has a path, query or trailing slash"),
        (#"{ "allowOrigins": ["https://a.com/app"] }"#, "routes[1].cors.allowOrigins[0]", "has a path, query or trailing slash"),
        (#"{ "allowOrigins": ["https://a.com?x=1"] }"#, "routes[1].cors.allowOrigins[0]", "has a path, query or trailing slash"),
        (#"{ "allowOrigins": ["a.com"] }"#, "routes[1].cors.allowOrigins[0]", "has no scheme"),
        (#"{ "allowOrigins": ["https://user@a.com"] }"#, "routes[1].cors.allowOrigins[0]", "carries user info"),
        (#"{ "allowOrigins": ["https://a.com:70000"] }"#, "routes[1].cors.allowOrigins[0]", "has an invalid port"),
        (#"{ "allowOrigins": ["https://foo.*.com"] }"#, "routes[1].cors.allowOrigins[0]", "has a wildcard that is not a whole leading label"),
        (#"{ "allowOrigins": ["https://*"] }"#, "routes[1].cors.allowOrigins[0]", "has a wildcard that is not a whole leading label"),
        (#"{ "allowOrigins": ["https://a_b!.com"] }"#, "routes[1].cors.allowOrigins[0]", "has an invalid host"),
        (#"{ "allowOrigins": [""] }"#, "routes[1].cors.allowOrigins[0]", "is empty"),
        (#"{ "allowOrigins": ["https://*.com"] }"#, "routes[1].cors.allowOrigins[0]", "is a wildcard directly over the public suffix \"com\""),
        (#"{ "allowOrigins": ["https://*.co.uk"] }"#, "routes[1].cors.allowOrigins[0]", "public suffix \"co.uk\""),
        (#"{ "allowOrigins": ["https://*.github.io:*"] }"#, "routes[1].cors.allowOrigins[0]", "public suffix \"github.io\""),
        (#"{ "allowOrigins": ["https://a.com", "*"] }"#, "routes[1].cors.allowOrigins[1]", "must be the only entry"),
        (#"{ "allowOrigins": ["*"], "allowCredentials": true }"#, "routes[1].cors.allowOrigins[0]", "\"*\" cannot be used with allowCredentials true (routes[1].cors.allowCredentials)"),
        (#"{ "allowOrigins": ["null"], "allowCredentials": true }"#, "routes[1].cors.allowOrigins[0]", "\"null\" cannot be used with allowCredentials true"),
        (#"{ "allowMethods": ["GET", "*"], "allowCredentials": true }"#, "routes[1].cors.allowMethods[1]", "\"*\" cannot be used with allowCredentials true"),
        (#"{ "allowHeaders": ["*"], "allowCredentials": true }"#, "routes[1].cors.allowHeaders[0]", "\"*\" cannot be used with allowCredentials true"),
        (#"{ "exposeHeaders": ["*"], "allowCredentials": true }"#, "routes[1].cors.exposeHeaders[0]", "\"*\" cannot be used with allowCredentials true"),
        (#"{ "allowMethods": ["GET", "CONNECT"] }"#, "routes[1].cors.allowMethods[1]", "\"CONNECT\" is a forbidden method"),
        (#"{ "allowMethods": ["trace"] }"#, "routes[1].cors.allowMethods[0]", "\"trace\" is a forbidden method"),
        (#"{ "allowMethods": ["TRACK"] }"#, "routes[1].cors.allowMethods[0]", "is a forbidden method"),
        (#"{ "allowMethods": ["GET POST"] }"#, "routes[1].cors.allowMethods[0]", "is not a valid HTTP method"),
        (#"{ "allowHeaders": ["x y"] }"#, "routes[1].cors.allowHeaders[0]", "is not a valid header name"),
        (#"{ "exposeHeaders": ["x:y"] }"#, "routes[1].cors.exposeHeaders[0]", "is not a valid header name"),
        (#"{ "maxAge": -1 }"#, "routes[1].cors.maxAge", "expected whole seconds from 0 to 86400, got the number -1"),
        (#"{ "maxAge": 86401 }"#, "routes[1].cors.maxAge", "expected whole seconds from 0 to 86400"),
        (#"{ "maxAge": 1.5 }"#, "routes[1].cors.maxAge", "expected whole seconds from 0 to 86400"),
        (#"{ "maxAge": "600" }"#, "routes[1].cors.maxAge", "expected whole seconds from 0 to 86400, got the string \"600\""),
        (#"{ "allowOriginRegex": ["https://(a"] }"#, "routes[1].cors.allowOriginRegex[0]", "invalid regex:"),
        (#"{ "allowOriginRegex": [""] }"#, "routes[1].cors.allowOriginRegex[0]", "an empty regex matches no origin"),
        (#"{ "preflightStatus": 201 }"#, "routes[1].cors.preflightStatus", "expected 200 or 204, got the number 201"),
        (#"{ "preflight": "bounce" }"#, "routes[1].cors.preflight", "expected one of \"answer\", \"forward\", got the string \"bounce\""),
        (#"{ "backendHeaders": "merge" }"#, "routes[1].cors.backendHeaders", "expected one of \"override\", \"preserve\""),
        (#"{ "mode": "shadow" }"#, "routes[1].cors.mode", "expected one of \"enforce\", \"report-only\", \"off\""),
        (#"{ "allowCredentials": "yes" }"#, "routes[1].cors.allowCredentials", "expected true or false, got the string \"yes\""),
        (#"{ "debug": 1 }"#, "routes[1].cors.debug", "expected true or false"),
        (#"{ "allowPrivateNetwork": null }"#, "routes[1].cors.allowPrivateNetwork", "expected true or false, got null"),
        (#"[]"#, "routes[1].cors", "expected an object, got an array"),
    ]

    @Test("route cors errors: exact path, the route alone is rejected", arguments: routeErrors)
    func routeError(cors: String, path: String, message: String) {
        let result = Self.corsRoute(cors)
        #expect(result.hasError(at: path, containing: message), "\(result.errorDescriptions)")
        #expect(result.topLevelErrors.isEmpty, "\(result.errorDescriptions)")
        #expect(result.routeErrors.map(\.routeName) == ["r"])
        #expect(result.table?.routes.map(\.name) == ["ok"])
    }

    static let defaultsErrors: [(cors: String, path: String, message: String)] = [
        (#"{ "maxAge": -5 }"#, "defaults.cors.maxAge", "expected whole seconds from 0 to 86400"),
        (#"{ "allowOrigns": [] }"#, "defaults.cors.allowOrigns", "unknown key; allowed: allowOrigins"),
        (#"{ "allowOrigins": ["*"], "allowCredentials": true }"#, "defaults.cors.allowOrigins[0]", "\"*\" cannot be used with allowCredentials true (defaults.cors.allowCredentials)"),
        (#"{ "allowOrigins": ["https://*.co.uk"] }"#, "defaults.cors.allowOrigins[0]", "public suffix"),
        (#"{ "mode": "Enforce" }"#, "defaults.cors.mode", "expected one of"),
    ]

    @Test("defaults.cors errors are top-level errors with their path", arguments: defaultsErrors)
    func defaultsError(cors: String, path: String, message: String) {
        let result = Self.corsRoute(nil, defaults: cors)
        #expect(result.config == nil)
        #expect(result.topLevelErrors.contains { $0.path == path && $0.message.contains(message) }, "\(result.errorDescriptions)")
        #expect(result.routeErrors.isEmpty, "\(result.errorDescriptions)")
    }

    @Test("a combination across defaults.cors and a route is reported on the route, at the route's field")
    func combinationAcrossDefaults() throws {
        let origins = Self.corsRoute(#"{ "allowOrigins": ["*"] }"#, defaults: #"{ "allowCredentials": true }"#)
        #expect(origins.topLevelErrors.isEmpty)
        #expect(origins.hasError(at: "routes[1].cors.allowOrigins[0]", containing: "(defaults.cors.allowCredentials)"), "\(origins.errorDescriptions)")
        let credentials = Self.corsRoute(#"{ "allowCredentials": true }"#, defaults: #"{ "allowOrigins": ["*"] }"#)
        #expect(credentials.hasError(at: "routes[1].cors.allowCredentials", containing: "true cannot be combined with \"*\" at defaults.cors.allowOrigins[0]"),
                "\(credentials.errorDescriptions)")
        #expect(credentials.table?.routes.map(\.name) == ["ok"])
        // A defaults-only conflict is reported once, at the top level, not on every route.
        let both = Self.corsRoute(#"{ }"#, defaults: #"{ "allowOrigins": ["*"], "allowCredentials": true }"#)
        let only = try #require(both.topLevelErrors.first)
        #expect(both.errorDescriptions == [only.description])
        // defaults.cors must be valid on its own, even when a route overrides one half of a conflict.
        let fixed = Self.corsRoute(#"{ "allowCredentials": false }"#, defaults: #"{ "allowOrigins": ["https://a.com"], "allowCredentials": true, "allowHeaders": ["*"] }"#)
        #expect(fixed.hasError(at: "defaults.cors.allowHeaders[0]", containing: "cannot be used with allowCredentials true"))
    }

    static let warnings: [(cors: String, path: String, message: String)] = [
        (#"{ "allowOrigins": ["http://app.example.com"], "allowCredentials": true }"#, "routes[1].cors.allowOrigins[0]", "\"http://app.example.com\" is used with allowCredentials true"),
        (#"{ "allowOrigins": ["http://*.example.com"], "allowCredentials": true }"#, "routes[1].cors.allowOrigins[0]", "use https"),
        (#"{ "allowHeaders": ["Cookie"] }"#, "routes[1].cors.allowHeaders[0]", "\"Cookie\" is a forbidden request header"),
        (#"{ "allowHeaders": ["content-type", "Sec-Fetch-Mode"] }"#, "routes[1].cors.allowHeaders[1]", "forbidden request header"),
        (#"{ "allowHeaders": ["Proxy-Authorization"] }"#, "routes[1].cors.allowHeaders[0]", "forbidden request header"),
        (#"{ "maxAge": 7201 }"#, "routes[1].cors.maxAge", "7201 seconds is above 7200, where Chromium caps"),
        (#"{ "allowOrigins": ["HTTPS://App.Example.com"] }"#, "routes[1].cors.allowOrigins[0]", "used as \"https://app.example.com\" (lowercased)"),
        (#"{ "allowOrigins": ["https://a.example.com:443"] }"#, "routes[1].cors.allowOrigins[0]", "used as \"https://a.example.com\" (the default port :443 removed)"),
        (#"{ "allowOrigins": ["HTTP://localhost:80"] }"#, "routes[1].cors.allowOrigins[0]", "(lowercased, the default port :80 removed)"),
        (#"{ "allowOrigins": ["https://a.com", "https://A.com"] }"#, "routes[1].cors.allowOrigins[1]", "the same origin as routes[1].cors.allowOrigins[0]"),
        (#"{ "allowMethods": ["patch"] }"#, "routes[1].cors.allowMethods[0]", "methods are case-sensitive"),
        (#"{ "exposeHeaders": ["Set-Cookie"] }"#, "routes[1].cors.exposeHeaders[0]", "can never be exposed"),
        (#"{ "allowMethods": [] }"#, "routes[1].cors.allowMethods", "an empty list rejects every preflight"),
    ]

    @Test("warnings: exact path, the route stays valid", arguments: warnings)
    func warning(cors: String, path: String, message: String) {
        let result = Self.corsRoute(cors)
        #expect(result.isValid, "\(result.errorDescriptions)")
        #expect(result.hasWarning(at: path, containing: message), "\(result.warnings)")
    }

    static let quiet: [String] = [
        #"{ "allowOrigins": ["http://localhost:3000", "http://127.0.0.1:8080", "http://[::1]:8080", "http://*.localhost:*"], "allowCredentials": true }"#,
        #"{ "allowOrigins": ["https://*.localhost", "https://*.internal", "https://*.example.co.uk"] }"#,
        #"{ "allowOrigins": ["https://app.example.com"], "allowHeaders": ["content-type", "authorization"], "maxAge": 7200 }"#,
    ]

    @Test("no warning for loopback http with credentials, wildcards over registrable or unlisted names", arguments: quiet)
    func noWarning(cors: String) {
        let result = Self.corsRoute(cors)
        #expect(result.isValid, "\(result.errorDescriptions)")
        #expect(result.warnings.isEmpty, "\(result.warnings)")
    }

    @Test("the effective policy: route fields over defaults.cors, field by field, normalised")
    func merging() throws {
        let result = load(configJSON(routes: [
            routeJSON("own", match: #""pathPrefix": "/own""#, extra: #""cors": { "allowOrigins": ["HTTPS://Own.example.com:443"], "maxAge": 60 }"#),
            routeJSON("inherits", match: #""pathPrefix": "/inherits""#),
            routeJSON("off", match: #""pathPrefix": "/off""#, extra: #""cors": { "mode": "off" }"#),
            routeJSON("report", match: #""pathPrefix": "/report""#, extra: #""cors": { "mode": "report-only" }"#),
        ].joined(separator: ", "), top: #""defaults": { "cors": { "allowOrigins": ["https://app.example.com"], "allowHeaders": ["content-type"], "allowCredentials": true, "debug": true } }"#))
        #expect(result.isValid, "\(result.errorDescriptions)")
        let table = try #require(result.table)
        var own = CORSConfig()
        own.allowOrigins = ["https://own.example.com"]
        own.maxAge = 60
        own.allowHeaders = ["content-type"]
        own.allowCredentials = true
        own.debug = true
        #expect(table.route(named: "own")?.cors?.config == own)
        var inherited = CORSConfig()
        inherited.allowOrigins = ["https://app.example.com"]
        inherited.allowHeaders = ["content-type"]
        inherited.allowCredentials = true
        inherited.debug = true
        #expect(table.route(named: "inherits")?.cors?.config == inherited)
        #expect(table.route(named: "off")?.cors == nil)
        #expect(table.route(named: "report")?.cors?.config.mode == .reportOnly)
        #expect(table.defaultCORS?.config == inherited)
        // The model keeps what the file says.
        #expect(result.config?.routes.first?.cors?["allowOrigins"] == .array([.string("HTTPS://Own.example.com:443")]))
    }

    @Test("no cors and no defaults.cors: CORS off; cors {} alone: the SPEC defaults")
    func offAndDefaults() throws {
        let none = try #require(load(configJSON(routes: routeJSON("a"))).table)
        #expect(none.routes[0].cors == nil)
        #expect(none.defaultCORS == nil)
        let empty = try #require(load(configJSON(routes: routeJSON("a", extra: #""cors": {}"#))).table)
        #expect(empty.routes[0].cors?.config == CORSConfig())
        #expect(empty.defaultCORS == nil)
        let defaultsOff = try #require(Self.corsRoute(#"{}"#, defaults: #"{ "mode": "off" }"#).table)
        #expect(defaultsOff.route(named: "r")?.cors == nil)
        #expect(defaultsOff.route(named: "ok")?.cors == nil)
        #expect(defaultsOff.defaultCORS == nil)
        let routeOn = try #require(Self.corsRoute(#"{ "mode": "enforce" }"#, defaults: #"{ "mode": "off", "maxAge": 5 }"#).table)
        #expect(routeOn.route(named: "r")?.cors?.config.maxAge == 5)
    }

    @Test("the compiled policy decides with the normalised origins and SPEC §4 example values")
    func specExample() throws {
        let cors = #"""
        { "allowOrigins": ["https://app.example.com", "https://*.example.org", "http://localhost:*"],
          "allowOriginRegex": ["https://pr-[0-9]+\\.preview\\.example\\.net"],
          "allowMethods": ["GET", "HEAD", "POST"], "allowHeaders": ["content-type"], "exposeHeaders": [],
          "allowCredentials": false, "maxAge": 600, "allowPrivateNetwork": false, "preflight": "answer",
          "preflightStatus": 204, "backendHeaders": "override", "mode": "enforce", "debug": false }
        """#
        let result = Self.corsRoute(cors)
        #expect(result.isValid, "\(result.errorDescriptions)")
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        let policy = try #require(result.table?.route(named: "r")?.cors)
        let decisions = ["https://app.example.com", "https://a.example.org", "http://localhost:5173", "https://pr-7.preview.example.net", "https://example.org"]
            .map(policy.originAllowed)
        #expect(decisions == [true, true, true, true, false])
    }
}
