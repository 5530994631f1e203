import CookiePolicy
import GatewayConfig
import Testing

/// SPEC §3/§6: `cookies` objects are decoded strictly, validated with exact paths, and merged
/// field by field over `defaults.cookies` into each route's compiled cookie policy.
@Suite("cookies in gateway.json")
struct CookieConfigTests {
    /// A config with routes "ok" and "r"; "r" gets `cookies` (and `cors`), plus optional defaults.
    static func cookieRoute(_ cookies: String?, defaults: String? = nil, cors: String? = nil, defaultCORS: String? = nil) -> ConfigLoadResult {
        var defaultMembers: [String] = []
        if let defaultCORS { defaultMembers.append(#""cors": \#(defaultCORS)"#) }
        if let defaults { defaultMembers.append(#""cookies": \#(defaults)"#) }
        let top = defaultMembers.isEmpty ? "" : #""defaults": { \#(defaultMembers.joined(separator: ", ")) }"#
        var extra: [String] = []
        if let cookies { extra.append(#""cookies": \#(cookies)"#) }
        if let cors { extra.append(#""cors": \#(cors)"#) }
        return load(configJSON(
            routes: routeJSON("ok", match: #""pathPrefix": "/ok""#) + ", "
                + routeJSON("r", match: #""pathPrefix": "/r""#, extra: extra.joined(separator: ", ")),
            top: top))
    }

    static let routeErrors: [(cookies: String, path: String, message: String)] = [
        (#"{ "fowrard": "*" }"#, "routes[1].cookies.fowrard", "unknown key; allowed: forward, httpOnly, secure, sameSite, partitioned, domain, path, maxAge, overMaxAge"),
        (#"[]"#, "routes[1].cookies", "expected an object, got an array"),
        (#"{ "forward": "all" }"#, "routes[1].cookies.forward", "expected \"*\" (every cookie) or an array of cookie names, got the string \"all\""),
        (#"{ "forward": null }"#, "routes[1].cookies.forward", "expected \"*\" (every cookie) or an array of cookie names, got null"),
        (#"{ "forward": ["sid", "a b"] }"#, "routes[1].cookies.forward[1]", "\"a b\" is not a valid cookie name"),
        (#"{ "forward": ["a;b"] }"#, "routes[1].cookies.forward[0]", "is not a valid cookie name"),
        (#"{ "forward": [""] }"#, "routes[1].cookies.forward[0]", "is not a valid cookie name"),
        (#"{ "forward": [1] }"#, "routes[1].cookies.forward[0]", "expected a string, got the number 1"),
        (#"{ "forward": ["*"] }"#, "routes[1].cookies.forward[0]", "\"*\" inside the list would be a cookie literally named *"),
        (#"{ "httpOnly": "yes" }"#, "routes[1].cookies.httpOnly", "expected true or false, got the string \"yes\""),
        (#"{ "secure": null }"#, "routes[1].cookies.secure", "expected true or false, got null"),
        (#"{ "partitioned": 1 }"#, "routes[1].cookies.partitioned", "expected true or false, got the number 1"),
        (#"{ "sameSite": "none" }"#, "routes[1].cookies.sameSite", "expected one of \"Strict\", \"Lax\", \"None\", or null to leave the backend's SameSite; got the string \"none\""),
        (#"{ "sameSite": true }"#, "routes[1].cookies.sameSite", "expected one of \"Strict\", \"Lax\", \"None\""),
        (#"{ "domain": ".example.com" }"#, "routes[1].cookies.domain", "starts with a dot"),
        (#"{ "domain": "exa mple.com" }"#, "routes[1].cookies.domain", "\"exa mple.com\" is not a valid domain; allowed: \"strip\" (host-only cookies), \"preserve\", or a domain"),
        (#"{ "domain": "" }"#, "routes[1].cookies.domain", "is not a valid domain"),
        (#"{ "domain": "Strip" }"#, "routes[1].cookies.domain", "\"Strip\": the keywords are lowercase"),
        (#"{ "domain": "com" }"#, "routes[1].cookies.domain", "\"com\" is a public suffix"),
        (#"{ "domain": "co.uk" }"#, "routes[1].cookies.domain", "is a public suffix"),
        (#"{ "domain": 5 }"#, "routes[1].cookies.domain", "expected a string"),
        (#"{ "path": "api" }"#, "routes[1].cookies.path", "\"api\" must start with \"/\""),
        (#"{ "path": "/a;b" }"#, "routes[1].cookies.path", "contains ';'"),
        (#"{ "path": "/a b" }"#, "routes[1].cookies.path", "contains spaces, control or non-ASCII characters"),
        (#"{ "path": 1 }"#, "routes[1].cookies.path", "expected a path starting with \"/\", or null to leave the backend's Path; got the number 1"),
        (#"{ "maxAge": -1 }"#, "routes[1].cookies.maxAge", "expected whole seconds, 0 or more, got the number -1"),
        (#"{ "maxAge": 1.5 }"#, "routes[1].cookies.maxAge", "expected whole seconds, 0 or more"),
        (#"{ "maxAge": "60" }"#, "routes[1].cookies.maxAge", "expected whole seconds, 0 or more, got the string \"60\""),
        (#"{ "maxAge": null }"#, "routes[1].cookies.maxAge", "expected whole seconds, 0 or more, got null"),
        (#"{ "overMaxAge": "drop" }"#, "routes[1].cookies.overMaxAge", "expected one of \"cap\", \"reject\", got the string \"drop\""),
        (#"{ "sameSite": "None", "secure": false }"#, "routes[1].cookies.sameSite", "sameSite \"None\" needs secure true, but secure is false (routes[1].cookies.secure)"),
        (#"{ "partitioned": true, "secure": false }"#, "routes[1].cookies.partitioned", "partitioned true needs secure true, but secure is false (routes[1].cookies.secure)"),
    ]

    @Test("route cookies errors: exact path, the route alone is rejected", arguments: routeErrors)
    func routeError(cookies: String, path: String, message: String) {
        let result = Self.cookieRoute(cookies)
        #expect(result.topLevelErrors.isEmpty, "\(result.errorDescriptions)")
        #expect(result.routeErrors.map(\.routeName) == ["r"])
        #expect(result.hasError(at: path, containing: message), "\(result.errorDescriptions)")
        #expect(result.table?.routes.map(\.name) == ["ok"])
    }

    static let defaultsErrors: [(cookies: String, path: String, message: String)] = [
        (#"{ "max": 1 }"#, "defaults.cookies.max", "unknown key; allowed: forward,"),
        (#"1"#, "defaults.cookies", "expected an object, got the number 1"),
        (#"{ "maxAge": -5 }"#, "defaults.cookies.maxAge", "expected whole seconds, 0 or more"),
        (#"{ "domain": "com" }"#, "defaults.cookies.domain", "is a public suffix"),
        (#"{ "sameSite": "None", "secure": false }"#, "defaults.cookies.sameSite", "needs secure true, but secure is false (defaults.cookies.secure)"),
        (#"{ "partitioned": true, "secure": false }"#, "defaults.cookies.partitioned", "needs secure true"),
    ]

    @Test("defaults.cookies errors are top-level errors with their path", arguments: defaultsErrors)
    func defaultsError(cookies: String, path: String, message: String) {
        let result = Self.cookieRoute(nil, defaults: cookies)
        #expect(result.config == nil)
        #expect(result.topLevelErrors.contains { $0.path == path && $0.message.contains(message) }, "\(result.errorDescriptions)")
        #expect(result.routeErrors.isEmpty, "\(result.errorDescriptions)")
    }

    @Test("secure false meeting SameSite=None or partitioned across defaults.cookies and a route is the route's error")
    func combinationAcrossDefaults() throws {
        let routeSecure = Self.cookieRoute(#"{ "secure": false }"#, defaults: #"{ "sameSite": "None" }"#)
        #expect(routeSecure.topLevelErrors.isEmpty)
        #expect(routeSecure.hasError(at: "routes[1].cookies.secure", containing: "false cannot be combined with sameSite \"None\" at defaults.cookies.sameSite"),
                "\(routeSecure.errorDescriptions)")
        #expect(routeSecure.routeErrors.map(\.routeName) == ["r"])

        let routeSameSite = Self.cookieRoute(#"{ "sameSite": "None" }"#, defaults: #"{ "secure": false }"#)
        #expect(routeSameSite.hasError(at: "routes[1].cookies.sameSite", containing: "needs secure true, but secure is false (defaults.cookies.secure)"),
                "\(routeSameSite.errorDescriptions)")

        let routePartitioned = Self.cookieRoute(#"{ "partitioned": true }"#, defaults: #"{ "secure": false }"#)
        #expect(routePartitioned.hasError(at: "routes[1].cookies.partitioned", containing: "needs secure true"), "\(routePartitioned.errorDescriptions)")

        // The route overriding secure back to true resolves a defaults-only conflict… which
        // defaults.cookies alone still has, as a top-level error.
        let fixed = Self.cookieRoute(#"{ "secure": true, "sameSite": "None" }"#, defaults: #"{ "secure": false }"#)
        #expect(fixed.isValid, "\(fixed.errorDescriptions)")
        // Lax with secure false is fine.
        #expect(Self.cookieRoute(#"{ "sameSite": "Lax", "secure": false }"#).isValid)
        // Each half alone is fine: a route without cookies does not repeat a defaults problem.
        let onlyDefaults = Self.cookieRoute(nil, defaults: #"{ "secure": false }"#)
        #expect(onlyDefaults.isValid, "\(onlyDefaults.errorDescriptions)")
    }

    static let warnings: [(cookies: String, cors: String?, path: String, message: String)] = [
        (#"{ "maxAge": 0 }"#, nil, "routes[1].cookies.maxAge", "deletes the cookie at once"),
        (#"{ "maxAge": 40000000 }"#, nil, "routes[1].cookies.maxAge", "above 400 days"),
        (#"{ "forward": ["sid", "b", "sid"] }"#, nil, "routes[1].cookies.forward[2]", "the same cookie name as routes[1].cookies.forward[0]"),
        (#"{ "secure": false }"#, #"{ "allowOrigins": ["https://app.example.com"], "allowCredentials": true }"#, "routes[1].cookies.secure",
         "route \"r\" allows credentials and leaves sameSite null, so its cookies without a SameSite get SameSite=None, which browsers refuse without Secure"),
    ]

    @Test("warnings: exact path, the route stays valid", arguments: warnings)
    func warning(cookies: String, cors: String?, path: String, message: String) {
        let result = Self.cookieRoute(cookies, cors: cors)
        #expect(result.isValid, "\(result.errorDescriptions)")
        #expect(result.hasWarning(at: path, containing: message), "\(result.warnings)")
    }

    static let quiet: [(cookies: String, cors: String?)] = [
        (#"{ "secure": false }"#, nil),
        (#"{ "secure": false, "sameSite": "Lax" }"#, #"{ "allowOrigins": ["https://app.example.com"], "allowCredentials": true }"#),
        (#"{ "secure": false }"#, #"{ "allowOrigins": ["https://app.example.com"], "allowCredentials": true, "mode": "off" }"#),
        (#"{ "maxAge": 400, "forward": [] }"#, nil),
    ]

    @Test("no cookie warning", arguments: quiet)
    func noWarning(cookies: String, cors: String?) {
        let result = Self.cookieRoute(cookies, cors: cors)
        #expect(result.isValid, "\(result.errorDescriptions)")
        #expect(!result.warnings.contains { $0.path.contains("cookies") }, "\(result.warnings)")
    }

    @Test("neither cookies nor defaults.cookies: the SPEC §6 defaults")
    func specDefaults() throws {
        let table = try #require(Self.cookieRoute(nil).table)
        for route in table.routes {
            #expect(route.cookies.config == CookieConfig())
            #expect(!route.cookies.routeAllowsCredentials)
        }
        let empty = try #require(Self.cookieRoute("{}", defaults: "{}").table?.route(named: "r"))
        #expect(empty.cookies.config == CookieConfig())
    }

    @Test("the effective policy: route fields over defaults.cookies, field by field")
    func merging() throws {
        let result = Self.cookieRoute(
            #"{ "maxAge": 60, "sameSite": null, "forward": ["sid", "csrf"], "path": "/r" }"#,
            defaults: #"{ "maxAge": 3600, "sameSite": "Lax", "domain": "preserve", "overMaxAge": "reject", "httpOnly": false, "path": "/" }"#)
        #expect(result.isValid, "\(result.errorDescriptions)")
        let table = try #require(result.table)
        let route = try #require(table.route(named: "r")).cookies.config
        var expected = CookieConfig()
        expected.maxAge = 60
        expected.sameSite = nil          // the route's explicit null overrides defaults' "Lax"
        expected.forward = .names(["sid", "csrf"])
        expected.path = "/r"
        expected.domain = .preserve
        expected.overMaxAge = .reject
        expected.httpOnly = false
        #expect(route == expected)

        let other = try #require(table.route(named: "ok")).cookies.config
        var defaultsOnly = CookieConfig()
        defaultsOnly.maxAge = 3600
        defaultsOnly.sameSite = .lax
        defaultsOnly.domain = .preserve
        defaultsOnly.overMaxAge = .reject
        defaultsOnly.httpOnly = false
        defaultsOnly.path = "/"
        #expect(other == defaultsOnly)
    }

    static let compiledFields: [(cookies: String, check: @Sendable (CookieConfig) -> Bool)] = [
        (#"{ "forward": "*" }"#, { $0.forward == .all }),
        (#"{ "forward": [] }"#, { $0.forward == .names([]) }),
        (#"{ "domain": "strip" }"#, { $0.domain == .strip }),
        (#"{ "domain": "App.Example.com" }"#, { $0.domain == .set("App.Example.com") }),
        (#"{ "domain": "localhost" }"#, { $0.domain == .set("localhost") }),
        (#"{ "sameSite": "Strict" }"#, { $0.sameSite == .strict }),
        (#"{ "sameSite": "None", "partitioned": true }"#, { $0.sameSite == CookieConfig.SameSite.none && $0.partitioned && $0.secure }),
        (#"{ "secure": false, "httpOnly": false }"#, { !$0.secure && !$0.httpOnly }),
        (#"{ "maxAge": 0, "overMaxAge": "cap" }"#, { $0.maxAge == 0 && $0.overMaxAge == .cap }),
        (#"{ "path": "/" }"#, { $0.path == "/" }),
        (#"{ "path": null }"#, { $0.path == nil }),
    ]

    @Test("each field compiles to its CookieConfig value", arguments: compiledFields)
    func compiled(cookies: String, check: @Sendable (CookieConfig) -> Bool) throws {
        let result = Self.cookieRoute(cookies)
        #expect(result.isValid, "\(result.errorDescriptions)")
        let config = try #require(result.table?.route(named: "r")).cookies.config
        #expect(check(config), "\(config)")
    }

    static let credentials: [(cors: String?, defaultCORS: String?, allows: Bool)] = [
        (nil, nil, false),
        (#"{ "allowOrigins": ["https://app.example.com"] }"#, nil, false),
        (#"{ "allowOrigins": ["https://app.example.com"], "allowCredentials": true }"#, nil, true),
        (#"{ "allowOrigins": ["https://app.example.com"] }"#, #"{ "allowCredentials": true }"#, true),
        (nil, #"{ "allowOrigins": ["https://app.example.com"], "allowCredentials": true }"#, true),
        (#"{ "allowCredentials": false }"#, #"{ "allowCredentials": true }"#, false),
        (#"{ "allowOrigins": ["https://app.example.com"], "allowCredentials": true, "mode": "off" }"#, nil, false),
    ]

    @Test("SameSite=None by default follows the route's effective allowCredentials", arguments: credentials)
    func credentialsDefault(cors: String?, defaultCORS: String?, allows: Bool) throws {
        let result = Self.cookieRoute(nil, cors: cors, defaultCORS: defaultCORS)
        #expect(result.isValid, "\(result.errorDescriptions)")
        let policy = try #require(result.table?.route(named: "r")).cookies
        #expect(policy.routeAllowsCredentials == allows)
        let outcome = policy.rewrite(setCookie: "sid=1", now: 0)
        #expect(outcome == .rewritten(allows ? "sid=1; Secure; HttpOnly; SameSite=None" : "sid=1; Secure; HttpOnly"))
    }
}
