import GatewayConfig
import Testing

@Suite("Validating gateway.json")
struct ValidationTests {
    static let listenAddresses: [(text: String, host: String?, port: Int?)] = [
        ("0.0.0.0:8080", "0.0.0.0", 8080),
        ("127.0.0.1:0", "127.0.0.1", 0),
        ("localhost:65535", "localhost", 65535),
        ("[::1]:8080", "::1", 8080),
        ("[::]:443", "::", 443),
        ("8080", nil, nil),
        (":8080", nil, nil),
        ("::1:8080", nil, nil),
        ("[::1]", nil, nil),
        ("[::1]8080", nil, nil),
        ("host:65536", nil, nil),
        ("host:-1", nil, nil),
        ("host:80a", nil, nil),
        ("bad host:80", nil, nil),
        ("[zz]:80", nil, nil),
    ]

    @Test("listen addresses: host:port, IPv6 in brackets, port 0…65535", arguments: listenAddresses)
    func listenAddress(text: String, host: String?, port: Int?) {
        let result = load(configJSON(routes: "", top: #""listen": ["127.0.0.1:1", "\#(text)"]"#))
        if let host, let port {
            #expect(result.isValid, "\(result.errorDescriptions)")
            #expect(ListenAddress(text) == ListenAddress(host: host, port: port))
            #expect(ListenAddress(text)?.description == text)
        } else {
            #expect(ListenAddress(text) == nil)
            #expect(result.hasError(at: "listen[1]", containing: "allowed: \"host:port\""), "\(result.errorDescriptions)")
        }
    }

    @Test("listen must not be empty, repeat an address, or clash with admin")
    func listenConflicts() {
        #expect(load(configJSON(routes: "", top: #""listen": []"#)).hasError(at: "listen", containing: "at least one address"))
        let repeated = load(configJSON(routes: "", top: #""listen": ["127.0.0.1:80", "127.0.0.1:80", "127.0.0.1:0", "127.0.0.1:0"]"#))
        #expect(repeated.errorDescriptions == ["listen[1]: the same address as listen[0]; each address can be bound once"])
        let clash = load(configJSON(routes: "", top: #""listen": ["127.0.0.1:9901"]"#))
        #expect(clash.hasError(at: "admin", containing: "the default admin address 127.0.0.1:9901 is also listen[0]"))
        #expect(load(configJSON(routes: "", top: #""admin": "localhost""#)).hasError(at: "admin", containing: "has no port"))
    }

    static let backendURLs: [(url: String, problem: String?)] = [
        ("http://127.0.0.1:9001", nil),
        ("https://fn.example.com", nil),
        ("HTTP://Example.COM:8080/Base/", nil),
        ("http://[::1]:9001/base", nil),
        ("ftp://example.com", "has the scheme \"ftp\""),
        ("example.com:80", "is not an absolute URL"),
        ("http://", "has a missing or invalid host"),
        ("http://:80", "has a missing or invalid host"),
        ("http://bad_host", "has a missing or invalid host"),
        ("http://h:0", "has an invalid port"),
        ("http://h:70000", "has an invalid port"),
        ("http://h:", "has an invalid port"),
        ("http://h/base?x=1", "has a query or fragment"),
        ("http://h/#frag", "has a query or fragment"),
        ("http://user@h", "carries user info"),
        ("http://user:pass@h:80", "carries user info"),
        ("http://h/a b", "the base path \"/a b\" contains spaces"),
    ]

    @Test("backend url: http(s), host, optional port and base path, nothing else", arguments: backendURLs)
    func backendURL(url: String, problem: String?) {
        let result = load(configJSON(routes: "", backends: #""b": { "url": "\#(url)" }"#))
        if let problem {
            #expect(result.config == nil)
            #expect(result.topLevelErrors.count == 1)
            #expect(result.hasError(at: "backends.b.url", containing: problem), "\(result.errorDescriptions)")
            #expect(result.hasError(at: "backends.b.url", containing: "allowed: http:// or https://") || problem.hasPrefix("the base path"))
        } else {
            #expect(result.isValid, "\(result.errorDescriptions)")
        }
    }

    static let runtimeHandlers: [(value: String, valid: Bool, message: String)] = [
        ("1.2.0", true, ""),
        ("1.1.3", true, ""),
        ("1.2.0-rc.1", true, ""),
        ("2.1.2+build.5", true, ""),
        ("10.20.30-alpha-1.0+001", true, ""),
        ("classic", true, ""),
        ("^1.2.0", false, "is a version range"),
        ("~1.2", false, "is a version range"),
        ("*", false, "is a version range"),
        ("latest", false, "is a version range"),
        ("1.x", false, "is a version range"),
        ("1.2", false, "is not an exact version"),
        ("01.2.0", false, "is not an exact version"),
        ("v1.2.0", false, "is not an exact version"),
        ("1.2.0-01", false, "is not an exact version"),
        ("1.2.0+", false, "is not an exact version"),
        ("Classic", false, "is not an exact version"),
    ]

    @Test("runtimeHandler: an exact semver or \"classic\"", arguments: runtimeHandlers)
    func runtimeHandler(value: String, valid: Bool, message: String) {
        let result = load(configJSON(routes: "", backends: #""fn": { "url": "http://h", "runtimeHandler": "\#(value)" }"#))
        if valid {
            #expect(result.isValid, "\(result.errorDescriptions)")
        } else {
            #expect(result.hasError(at: "backends.fn.runtimeHandler", containing: message), "\(result.errorDescriptions)")
        }
    }

    static let backendRules: [(backend: String, path: String, message: String)] = [
        (#""fn": { "url": "http://h", "runtimeHandler": "1.2.0", "packageJson": "package.json" }"#, "backends.fn", "runtimeHandler and packageJson are both set"),
        (#""fn": { "url": "http://h", "packageJson": "" }"#, "backends.fn.packageJson", "expected the path of a package.json file"),
        (#""fn": { "url": "http://h", "connectTimeoutMs": 0 }"#, "backends.fn.connectTimeoutMs", "positive integer"),
        (#""fn": { "url": "http://h", "responseTimeoutMs": -5 }"#, "backends.fn.responseTimeoutMs", "positive integer"),
        (#""fn": { "url": "http://h", "maxConnections": 1e400 }"#, "", "out of range"),
        (#""fn": { "url": "https://h", "caFile": "" }"#, "backends.fn.caFile", "or null for the system trust store"),
        (#""my backend": { "url": "http://h" }"#, "backends.my backend", "not a valid backend name"),
        (#""\#(String(repeating: "b", count: 65))": { "url": "http://h" }"#, "backends.\(String(repeating: "b", count: 65))", "1 to 64 characters"),
    ]

    @Test("backend rules name the backend's path", arguments: backendRules)
    func backendRule(backend: String, path: String, message: String) {
        let result = load(configJSON(routes: "", backends: backend))
        #expect(result.config == nil)
        #expect(result.hasError(at: path, containing: message), "\(result.errorDescriptions)")
    }

    @Test("backend kinds: plain, runtime handler version, classic, packageJson; caFile kept")
    func backendKinds() throws {
        let result = load(configJSON(routes: "", backends: #"""
            "plain": { "url": "https://h", "caFile": "/etc/ca.pem" },
            "v": { "url": "http://h", "runtimeHandler": "1.1.3" },
            "c": { "url": "http://h", "runtimeHandler": "classic", "caFile": null },
            "p": { "url": "http://h", "packageJson": "functions/package.json" }
            """#))
        let table = try #require(result.table)
        #expect(table.backends["plain"]?.kind == .plain)
        #expect(table.backends["plain"]?.caFile == "/etc/ca.pem")
        #expect(table.backends["v"]?.kind == .functionRuntime(.version("1.1.3")))
        #expect(table.backends["c"]?.kind == .functionRuntime(.classic))
        #expect(table.backends["c"]?.caFile == nil)
        #expect(table.backends["p"]?.kind == .functionRuntime(.packageJson(path: "functions/package.json")))
    }

    @Test("compiled backend: scheme, lowercased host, default or explicit port, base path without trailing slash")
    func compiledBackend() throws {
        let result = load(configJSON(routes: "", backends: #"""
            "a": { "url": "HTTP://Example.COM/Base/", "connectTimeoutMs": 5, "responseTimeoutMs": 6, "maxConnections": 7 },
            "b": { "url": "https://[::1]:8443" },
            "c": { "url": "https://h/" }
            """#))
        let backends = try #require(result.table?.backends)
        let a = try #require(backends["a"])
        #expect((a.name, a.scheme, a.host, a.port, a.basePath) == ("a", "http", "example.com", 80, "/Base"))
        #expect((a.connectTimeoutMs, a.responseTimeoutMs, a.maxConnections) == (5, 6, 7))
        #expect(a.url == "HTTP://Example.COM/Base/")
        #expect(a.origin == "http://example.com")
        let b = try #require(backends["b"])
        #expect((b.scheme, b.host, b.port, b.basePath, b.origin) == ("https", "[::1]", 8443, "", "https://[::1]:8443"))
        #expect(backends["c"]?.port == 443)
        #expect(backends["c"]?.basePath == "")
    }

    static let routeRules: [(route: String, path: String, message: String)] = [
        (routeJSON("bad name"), "routes[0].name", "not a valid route name; allowed: 1 to 64 characters of A-Z a-z 0-9 . _ -"),
        (routeJSON("", match: #""path": "/""#), "routes[0].name", "not a valid route name"),
        (routeJSON("a", match: #""path": "x""#), "routes[0].match.path", "must start with \"/\""),
        (routeJSON("a", match: #""pathPrefix": "fn""#), "routes[0].match.pathPrefix", "must start with \"/\""),
        (routeJSON("a", match: #""path": "/a?b""#), "routes[0].match.path", "without query or fragment"),
        (routeJSON("a", match: #""pathPrefix": "/é""#), "routes[0].match.pathPrefix", "percent-encode"),
        (routeJSON("a", match: #""path": "/a", "pathPrefix": "/a""#), "routes[0].match", "both path and pathPrefix are set"),
        (routeJSON("a", match: #""methods": ["GET"]"#), "routes[0].match", "neither path nor pathPrefix is set"),
        (routeJSON("a", match: #""path": "/", "hosts": []"#), "routes[0].match.hosts", "omit hosts to match any host"),
        (routeJSON("a", match: #""path": "/", "hosts": ["ok.example", "*"]"#), "routes[0].match.hosts[1]", "omit hosts to match any host"),
        (routeJSON("a", match: #""path": "/", "hosts": ["*.*.example.com"]"#), "routes[0].match.hosts[0]", "not a valid wildcard"),
        (routeJSON("a", match: #""path": "/", "hosts": ["exa mple.com"]"#), "routes[0].match.hosts[0]", "not a valid host"),
        (routeJSON("a", match: #""path": "/", "hosts": ["example.com:http"]"#), "routes[0].match.hosts[0]", "invalid port"),
        (routeJSON("a", match: #""path": "/", "methods": []"#), "routes[0].match.methods", "omit methods to match any method"),
        (routeJSON("a", match: #""path": "/", "methods": ["GET", "GE T"]"#), "routes[0].match.methods[1]", "not a valid HTTP method"),
        (routeJSON("a", backend: "nope"), "routes[0].backend", "unknown backend \"nope\"; defined backends: functions, web"),
        (routeJSON("a", match: #""pathPrefix": "/fn""#, extra: #""rewrite": { "stripPrefix": "/f" }"#), "routes[0].rewrite.stripPrefix", "not a whole-segment prefix of pathPrefix \"/fn\""),
        (routeJSON("a", match: #""pathPrefix": "/fn""#, extra: #""rewrite": { "stripPrefix": "/fn/" }"#), "routes[0].rewrite.stripPrefix", "not a whole-segment prefix"),
        (routeJSON("a", match: #""path": "/fn/x""#, extra: #""rewrite": { "stripPrefix": "/api" }"#), "routes[0].rewrite.stripPrefix", "of path \"/fn/x\""),
        (routeJSON("a", extra: #""rewrite": { "stripPrefix": "fn" }"#), "routes[0].rewrite.stripPrefix", "must start with \"/\""),
        (routeJSON("a", extra: #""headers": { "request": { "set": { "x bad": "1" } } }"#), "routes[0].headers.request.set.x bad", "not a valid header name"),
        (routeJSON("a", extra: #""headers": { "request": { "set": { "x-a": "1\r\nx-b: 2" } } }"#), "routes[0].headers.request.set.x-a", "CR, LF, NUL"),
        (routeJSON("a", extra: #""headers": { "response": { "set": { "x-a": "a\u0000b" } } }"#), "routes[0].headers.response.set.x-a", "CR, LF, NUL"),
        (routeJSON("a", extra: #""headers": { "response": { "set": { "Content-Length": "5" } } }"#), "routes[0].headers.response.set.Content-Length", "cannot be set"),
        (routeJSON("a", extra: #""headers": { "request": { "set": { "X-A": "1", "x-a": "2" } } }"#), "routes[0].headers.request.set.x-a", "same header as \"X-A\""),
        (routeJSON("a", extra: #""headers": { "request": { "remove": ["ok", "bad:name"] } }"#), "routes[0].headers.request.remove[1]", "not a valid header name"),
        (routeJSON("a", extra: #""headers": { "request": { "remove": "x" } }"#), "routes[0].headers.request.remove", "expected an array of header names"),
        (routeJSON("a", extra: #""headers": { "request": { "set": [] } }"#), "routes[0].headers.request.set", "expected an object of header names"),
    ]

    @Test("route rules: the error is at the exact path and the route alone is rejected", arguments: routeRules)
    func routeRule(route: String, path: String, message: String) throws {
        let result = load(configJSON(routes: route + "," + routeJSON("sibling", match: #""path": "/sibling""#)))
        #expect(result.topLevelErrors.isEmpty, "\(result.topLevelErrors)")
        #expect(result.routeErrors.map(\.routeIndex) == [0])
        #expect(result.hasError(at: path, containing: message), "\(result.errorDescriptions)")
        #expect(!result.isValid)
        #expect(try #require(result.table).routes.map(\.name) == ["sibling"])
        #expect(result.config?.routes.map(\.name) == ["sibling"])
    }

    @Test("every error is collected in one pass, top-level and per route")
    func multipleErrors() throws {
        let json = configJSON(
            routes: [
                routeJSON("ok"),
                #"{ "name": "two", "match": { "pathPrefix": "api", "methods": [] }, "backend": "ghost", "extra": 1 }"#,
                routeJSON("three", match: #""path": "/3""#, extra: #""headers": { "request": { "set": { "x bad": "1" } } }"#),
            ].joined(separator: ","),
            top: #""listen": ["nope"], "limits": { "maxConnections": 0 }"#
        )
        let result = load(json)
        #expect(result.config == nil && result.table == nil)
        #expect(Set(result.topLevelErrors.map(\.path)) == ["listen[0]", "limits.maxConnections"])
        #expect(result.routeErrors.map(\.routeIndex) == [1, 2])
        #expect(result.routeErrors.map(\.routeName) == ["two", "three"])
        #expect(Set(result.routeErrors[0].errors.map(\.path)) == [
            "routes[1].extra", "routes[1].match.pathPrefix", "routes[1].match.methods", "routes[1].backend",
        ])
        #expect(result.routeErrors[1].errors.map(\.path) == ["routes[2].headers.request.set.x bad"])
        #expect(result.allErrors.count == 7)
    }

    @Test("a route error leaves the valid routes compiled in file order")
    func badRouteLeavesSiblings() throws {
        let result = load(configJSON(routes: [
            routeJSON("first", match: #""path": "/1""#),
            routeJSON("broken", match: #""path": "2""#),
            routeJSON("third", match: #""path": "/3""#),
        ].joined(separator: ",")))
        #expect(!result.isValid)
        #expect(result.topLevelErrors.isEmpty)
        #expect(result.routeErrors == [RouteIssues(routeIndex: 1, routeName: "broken", errors: [
            ConfigIssue(path: "routes[1].match.path", message: "\"2\" must start with \"/\""),
        ])])
        let table = try #require(result.table)
        #expect(table.routes.map(\.name) == ["first", "third"])
        #expect(table.match(host: nil, path: "/3", method: "GET")?.name == "third")
    }

    @Test("a route that is not an object is rejected alone, without a name")
    func routeNotObject() {
        let result = load(configJSON(routes: #""just a string", "# + routeJSON("a")))
        #expect(result.routeErrors.first?.routeIndex == 0)
        #expect(result.routeErrors.first?.routeName == nil)
        #expect(result.hasError(at: "routes[0]", containing: "expected an object, got the string"))
        #expect(result.table?.routes.count == 1)
    }

    @Test("duplicate route names: the later route is rejected")
    func duplicateRouteNames() {
        let result = load(configJSON(routes: [
            routeJSON("api", match: #""path": "/1""#),
            routeJSON("api", match: #""path": "/2""#),
        ].joined(separator: ",")))
        #expect(result.errorDescriptions == [
            "routes[1].name: duplicate route name; routes[0] is already named \"api\" and names must be unique",
        ])
        #expect(result.table?.routes.first?.config.match.path == "/1")
    }

    @Test("a route using an invalid backend fails only at the top level")
    func routeWithInvalidBackend() {
        let result = load(configJSON(routes: routeJSON("a", backend: "b"), backends: #""b": { "url": "ftp://h" }"#))
        #expect(result.topLevelErrors.map(\.path) == ["backends.b.url"])
        #expect(result.routeErrors.isEmpty)
    }

    static let shadowing: [(earlier: String, later: String, shadowed: Bool)] = [
        (#""pathPrefix": "/""#, #""path": "/x""#, true),
        (#""pathPrefix": "/api""#, #""pathPrefix": "/api/v1""#, true),
        (#""pathPrefix": "/api""#, #""pathPrefix": "/api/""#, true),
        (#""pathPrefix": "/api/""#, #""pathPrefix": "/api""#, false),
        (#""pathPrefix": "/api""#, #""pathPrefix": "/apix""#, false),
        (#""path": "/x""#, #""path": "/x""#, true),
        (#""path": "/x""#, #""pathPrefix": "/x""#, false),
        (#""pathPrefix": "/", "methods": ["GET"]"#, #""path": "/x", "methods": ["HEAD", "GET"]"#, true),
        (#""pathPrefix": "/", "methods": ["GET"]"#, #""path": "/x", "methods": ["POST"]"#, false),
        (#""pathPrefix": "/", "methods": ["GET"]"#, #""path": "/x""#, false),
        (#""pathPrefix": "/", "hosts": ["*.example.com"]"#, #""path": "/x", "hosts": ["a.example.com", "*.b.example.com"]"#, true),
        (#""pathPrefix": "/", "hosts": ["*.example.com"]"#, #""path": "/x", "hosts": ["example.com"]"#, false),
        (#""pathPrefix": "/", "hosts": ["a.example.com"]"#, #""path": "/x""#, false),
        (#""pathPrefix": "/""#, #""path": "/x", "hosts": ["a.example.com"], "methods": ["PUT"]"#, true),
    ]

    @Test("a route fully shadowed by an earlier one is a warning, not an error", arguments: shadowing)
    func shadowWarning(earlier: String, later: String, shadowed: Bool) {
        let result = load(configJSON(routes: [
            routeJSON("other", match: #""path": "/unrelated""#),
            routeJSON("api", match: earlier),
            routeJSON("later", match: later),
        ].joined(separator: ",")))
        #expect(result.isValid, "\(result.errorDescriptions)")
        let expected = [ConfigIssue(path: "routes[2]", message: "shadowed by routes[1] (\"api\") and can never match")]
        #expect(result.warnings == (shadowed ? expected : []))
    }

    @Test("file indices in shadow warnings count rejected routes too")
    func shadowIndicesSkipInvalidRoutes() {
        let result = load(configJSON(routes: [
            routeJSON("broken", match: #""path": "x""#),
            routeJSON("all"),
            routeJSON("never", match: #""path": "/x""#),
        ].joined(separator: ",")))
        #expect(result.warnings.map(\.description) == [#"routes[2]: shadowed by routes[1] ("all") and can never match"#])
    }

    static let warnings: [(route: String, backends: String, path: String, message: String)] = [
        (routeJSON("a", match: #""path": "/", "methods": ["get"]"#), standardBackends, "routes[0].match.methods[0]", "methods are case-sensitive"),
        (routeJSON("a", match: #""path": "/", "hosts": ["api.example.com:8443"]"#), standardBackends, "routes[0].match.hosts[0]", "the port is ignored"),
        ("", #""b": { "url": "http://h", "caFile": "/ca.pem" }"#, "backends.b.caFile", "caFile only applies to https://"),
    ]

    @Test("warnings do not invalidate the file", arguments: warnings)
    func warning(route: String, backends: String, path: String, message: String) {
        let result = load(configJSON(routes: route, backends: backends))
        #expect(result.isValid, "\(result.errorDescriptions)")
        #expect(result.hasWarning(at: path, containing: message), "\(result.warnings)")
    }
}
