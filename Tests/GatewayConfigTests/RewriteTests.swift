import GatewayConfig
import Testing

@Suite("Rewriting the upstream request target")
struct RewriteTests {
    static let targets: [(url: String, match: String, stripPrefix: String?, path: String, query: String?, target: String)] = [
        ("http://h:1/base", #""pathPrefix": "/fn""#, "/fn", "/fn/hello", "a=1&b=%20", "/base/hello?a=1&b=%20"),
        ("http://h:1/base", #""pathPrefix": "/fn""#, "/fn", "/fn", nil, "/base/"),
        ("http://h:1/base", #""pathPrefix": "/fn""#, "/fn", "/fn/", nil, "/base/"),
        ("http://h:1", #""pathPrefix": "/fn""#, "/fn", "/fn", nil, "/"),
        ("http://h:1/", #""pathPrefix": "/fn""#, "/fn", "/fn/a/b", nil, "/a/b"),
        ("http://h:1", #""pathPrefix": "/fn/""#, "/fn/", "/fn/x", nil, "/x"),
        ("http://h:1", #""pathPrefix": "/fn/v1""#, "/fn", "/fn/v1/x", nil, "/v1/x"),
        ("http://h:1", #""pathPrefix": "/fn""#, "/", "/fn/x", nil, "/fn/x"),
        ("http://h:1", #""pathPrefix": "/fn""#, nil, "/fn/x", "", "/fn/x?"),
        ("http://h:1/base/", #""pathPrefix": "/""#, nil, "/", nil, "/base/"),
        ("http://h:1", #""pathPrefix": "/fn""#, nil, "/fn/a%2Fb", "q=%2F&x=%zz&&", "/fn/a%2Fb?q=%2F&x=%zz&&"),
        ("http://h:1/b", #""path": "/hello""#, "/hello", "/hello", "x", "/b/?x"),
        ("http://h:1", #""pathPrefix": "/fn""#, "/fn", "/fn/é", "é=1", "/é?é=1"),
    ]

    @Test("base path + path without stripPrefix (\"/\" when empty) + query byte for byte", arguments: targets)
    func upstreamTarget(url: String, match: String, stripPrefix: String?, path: String, query: String?, target: String) throws {
        let rewrite = stripPrefix.map { #""rewrite": { "stripPrefix": "\#($0)" }"# } ?? ""
        let result = load(configJSON(routes: routeJSON("r", match: match, backend: "b", extra: rewrite), backends: #""b": { "url": "\#(url)" }"#))
        #expect(result.isValid, "\(result.errorDescriptions)")
        let route = try #require(result.table?.routes.first)
        #expect(route.stripPrefix == stripPrefix)
        #expect(route.upstreamTarget(path: path, query: query) == target)
    }

    @Test("the origin plus the target is the upstream URL")
    func upstreamURL() throws {
        let result = load(configJSON(routes: routeJSON("r", match: #""pathPrefix": "/fn""#, backend: "web", extra: #""rewrite": { "stripPrefix": "/fn" }"#)))
        let route = try #require(result.table?.routes.first)
        #expect(route.backend.origin + route.upstreamTarget(path: "/fn/hello", query: "a=1") == "http://127.0.0.1:9002/base/hello?a=1")
    }
}
