import GatewayConfig
import Testing

/// A table with one route built from `match` (the body of its match object).
private func table(match: String) throws -> RouteTable {
    let result = load(configJSON(routes: routeJSON("r", match: match)))
    #expect(result.isValid, "\(result.errorDescriptions)")
    return try #require(result.table)
}

@Suite("Matching requests to routes")
struct MatchingTests {
    static let hosts: [(patterns: String, host: String?, matches: Bool)] = [
        (#""api.example.com""#, "api.example.com", true),
        (#""api.example.com""#, "API.Example.COM", true),
        (#""API.example.com""#, "api.example.com", true),
        (#""api.example.com""#, "api.example.com:8443", true),
        (#""api.example.com""#, "api.example.com.", true),
        (#""api.example.com""#, "www.example.com", false),
        (#""api.example.com""#, "api.example.com.evil", false),
        (#""api.example.com""#, nil, false),
        (#""api.example.com""#, "", false),
        (#""*.example.com""#, "a.example.com", true),
        (#""*.example.com""#, "a.b.example.com:80", true),
        (#""*.example.com""#, "A.EXAMPLE.com", true),
        (#""*.example.com""#, "example.com", false),
        (#""*.example.com""#, "fooexample.com", false),
        (#""*.example.com""#, ".example.com", false),
        (#""*.example.com""#, "x..example.com", false),
        (#""*.example.com""#, ".x.example.com", false),
        (#""*.example.com""#, "a..b.example.com", false),
        (#""*.example.com""#, "..example.com", false),
        (#""*.example.com""#, "example.com.evil.org", false),
        (#""[::1]""#, "[::1]:8080", true),
        (#""[::1]""#, "[::1]", true),
        (#""[::1]""#, "[::2]:8080", false),
        (#""127.0.0.1:9999""#, "127.0.0.1:8080", true),
        (#""a.test", "*.b.test""#, "x.b.test", true),
        (#""a.test", "*.b.test""#, "b.test", false),
    ]

    @Test("hosts: Host header with port and case ignored; *. needs one or more labels", arguments: hosts)
    func hostPattern(patterns: String, host: String?, matches: Bool) throws {
        let table = try table(match: #""pathPrefix": "/", "hosts": [\#(patterns)]"#)
        #expect((table.match(host: host, path: "/", method: "GET") != nil) == matches)
    }

    @Test("no hosts matches any host, and a request without Host")
    func anyHost() throws {
        let table = try table(match: #""pathPrefix": "/""#)
        #expect(table.match(host: "anything.example", path: "/", method: "GET") != nil)
        #expect(table.match(host: nil, path: "/", method: "GET") != nil)
    }

    @Test("compiled host patterns are lowercased, without port or trailing dot")
    func compiledHostPatterns() throws {
        let table = try table(match: #""pathPrefix": "/", "hosts": ["API.Example.com:80", "*.Example.ORG.", "[::1]"]"#)
        #expect(table.routes[0].hostPatterns == [.exact("api.example.com"), .wildcard(domain: "example.org"), .exact("[::1]")])
        #expect(table.routes[0].hostPatterns?.map(\.description) == ["api.example.com", "*.example.org", "[::1]"])
    }

    static let paths: [(match: String, path: String, matches: Bool)] = [
        (#""path": "/hello""#, "/hello", true),
        (#""path": "/hello""#, "/hello/", false),
        (#""path": "/hello""#, "/hello/x", false),
        (#""path": "/hello""#, "/Hello", false),
        (#""path": "/hello""#, "/hello?x=1", true),
        (#""path": "/a%2Fb""#, "/a%2Fb", true),
        (#""path": "/a%2Fb""#, "/a/b", false),
        (#""pathPrefix": "/fn""#, "/fn", true),
        (#""pathPrefix": "/fn""#, "/fn/", true),
        (#""pathPrefix": "/fn""#, "/fn/x/y", true),
        (#""pathPrefix": "/fn""#, "/fnx", false),
        (#""pathPrefix": "/fn""#, "/fn?q", true),
        (#""pathPrefix": "/fn""#, "/f", false),
        (#""pathPrefix": "/fn/""#, "/fn/", true),
        (#""pathPrefix": "/fn/""#, "/fn/x", true),
        (#""pathPrefix": "/fn/""#, "/fn", false),
        (#""pathPrefix": "/fn/""#, "/fnx/", false),
        (#""pathPrefix": "/""#, "/", true),
        (#""pathPrefix": "/""#, "/anything/at/all", true),
        (#""pathPrefix": "/""#, "*", false),
    ]

    @Test("path is exact; pathPrefix is segment-aware; the query is ignored", arguments: paths)
    func pathMatching(match: String, path: String, matches: Bool) throws {
        let table = try table(match: match)
        #expect((table.match(host: "h", path: path, method: "GET") != nil) == matches)
        #expect(table.routes[0].matches(host: "h", path: path, method: "GET") == matches)
    }

    static let methods: [(methods: String?, method: String, matches: Bool)] = [
        (nil, "PATCH", true),
        (nil, "custom", true),
        (#"["GET", "POST"]"#, "GET", true),
        (#"["GET", "POST"]"#, "POST", true),
        (#"["GET", "POST"]"#, "HEAD", true),
        (#"["GET", "POST"]"#, "PUT", false),
        (#"["GET", "POST"]"#, "get", false),
        (#"["POST"]"#, "HEAD", false),
        (#"["HEAD"]"#, "GET", false),
        (#"["OPTIONS"]"#, "OPTIONS", true),
    ]

    @Test("methods are case-sensitive; GET also admits HEAD", arguments: methods)
    func methodMatching(methods: String?, method: String, matches: Bool) throws {
        let table = try table(match: #""pathPrefix": "/""# + (methods.map { #", "methods": \#($0)"# } ?? ""))
        #expect((table.match(host: nil, path: "/", method: method) != nil) == matches)
    }

    @Test("routes are tried in file order; the first match wins")
    func firstMatchWins() throws {
        let result = load(configJSON(routes: [
            routeJSON("writes", match: #""pathPrefix": "/api", "methods": ["POST"]"#),
            routeJSON("tenant", match: #""pathPrefix": "/api", "hosts": ["*.tenant.test"]"#),
            routeJSON("api", match: #""pathPrefix": "/api""#, backend: "web"),
            routeJSON("hello", match: #""path": "/hello""#),
            routeJSON("fallback"),
        ].joined(separator: ",")))
        let table = try #require(result.table)
        #expect(table.routes.map(\.name) == ["writes", "tenant", "api", "hello", "fallback"])
        let cases: [(host: String?, path: String, method: String, route: String)] = [
            ("a.tenant.test", "/api/x", "POST", "writes"),
            ("a.tenant.test", "/api/x", "GET", "tenant"),
            ("other.test", "/api/x", "GET", "api"),
            (nil, "/api", "DELETE", "api"),
            (nil, "/hello", "GET", "hello"),
            (nil, "/hello/x", "GET", "fallback"),
            (nil, "/apiary", "POST", "fallback"),
        ]
        for request in cases {
            #expect(table.match(host: request.host, path: request.path, method: request.method)?.name == request.route, "\(request)")
        }
        #expect(table.route(named: "api")?.backend.name == "web")
        #expect(table.route(named: "missing") == nil)
    }

    @Test("no matching route gives nil (→ 404)")
    func noRoute() throws {
        let table = try table(match: #""path": "/only""#)
        #expect(table.match(host: nil, path: "/other", method: "GET") == nil)
    }

    @Test("compiled header edits: remove names lowercased, set keeps file order and spelling")
    func compiledHeaderEdits() throws {
        let result = load(configJSON(routes: routeJSON("a", extra: #"""
            "headers": {
              "request": { "set": { "X-Zeta": "1", "x-alpha": "two words", "X-Mid": "" }, "remove": ["X-Debug", "cookie"] },
              "response": { "remove": ["Server"] }
            }
            """#)))
        let route = try #require(result.table?.routes.first)
        #expect(route.requestHeaders.set.map(\.name) == ["X-Zeta", "x-alpha", "X-Mid"])
        #expect(route.requestHeaders.set.map(\.value) == ["1", "two words", ""])
        #expect(route.requestHeaders.remove == ["x-debug", "cookie"])
        #expect(route.responseHeaders.set.isEmpty)
        #expect(route.responseHeaders.remove == ["server"])
        #expect(!route.responseHeaders.isEmpty)
        #expect(route.config.headers?.request?.remove == ["X-Debug", "cookie"])
    }
}
