// Micro-benchmarks of the per-request pure work: the CORS decision, header rewriting, the
// cookie policy and route matching. Run: `swift run -c release MicroBenchmarks` (see
// Docs/benchmarks.md). These are measurements, not tests: nothing here asserts a time.
import Benchmark
import CORSPolicy
import CookiePolicy
import GatewayConfig
import GatewayPolicy

let table: RouteTable = {
    let text = #"""
    { "listen": ["127.0.0.1:0"], "admin": null,
      "backends": { "fn": { "url": "http://127.0.0.1:9001" }, "classic": { "url": "http://127.0.0.1:9002", "runtimeHandler": "classic" } },
      "routes": [
        { "name": "r1", "match": { "pathPrefix": "/a" }, "backend": "fn" },
        { "name": "r2", "match": { "pathPrefix": "/b", "hosts": ["*.example.com"] }, "backend": "fn" },
        { "name": "r3", "match": { "path": "/c", "methods": ["GET"] }, "backend": "fn" },
        { "name": "fn", "match": { "pathPrefix": "/fn" }, "backend": "fn",
          "cors": { "allowOrigins": ["https://app.example.com", "https://admin.example.com", "https://*.example.org"],
                    "allowCredentials": true, "maxAge": 600, "exposeHeaders": ["x-request-id"], "allowHeaders": ["content-type"] } }
      ] }
    """#
    guard let table = ConfigLoader.parse(data: Array(text.utf8)).table else { fatalError("benchmark config is invalid") }
    return table
}()
let route = table.route(named: "fn")!
let policy = route.cors!

let preflightAllowed: HeaderLines = [
    ("Host", "gw.example.com"), ("Origin", "https://x.example.org"), ("Access-Control-Request-Method", "POST"),
    ("Access-Control-Request-Headers", "content-type"), ("User-Agent", "Mozilla/5.0"), ("Accept", "*/*"),
]
let preflightRejected: HeaderLines = [
    ("Host", "gw.example.com"), ("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST"),
]
let actualRequest: HeaderLines = [
    ("Host", "gw.example.com"), ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)"), ("Accept", "application/json"),
    ("Accept-Language", "en-GB,en;q=0.9"), ("Accept-Encoding", "gzip, deflate, br"), ("Origin", "https://app.example.com"),
    ("Referer", "https://app.example.com/page"), ("Cookie", "session=abc; theme=dark"), ("Connection", "keep-alive"),
    ("Authorization", "Bearer token"), ("Content-Type", "application/json"), ("X-Request-Id", "client-1"),
]
let backendResponse: HeaderLines = [
    ("Content-Type", "application/json"), ("Content-Length", "17"), ("Date", "Mon, 30 Nov 2026 02:00:00 GMT"),
    ("Vary", "Accept-Encoding"), ("Connection", "keep-alive"), ("Cache-Control", "no-store"),
]
let context = ForwardingContext(clientAddress: "127.0.0.1", scheme: "http", host: "gw.example.com", requestId: "0123456789abcdef0123456789abcdef")

benchmark("cors: preflight allowed (wildcard origin)") {
    blackHole(policy.preflight(requestHeaders: preflightAllowed))
}

benchmark("cors: preflight rejected (origin)") {
    blackHole(policy.preflight(requestHeaders: preflightRejected))
}

benchmark("cors: actual response headers (allowed origin, Vary merge)") {
    blackHole(policy.actualResponseHeaders(requestHeaders: actualRequest, responseHeaders: backendResponse))
}

benchmark("headers: upstream request, plain backend (12 lines)") {
    blackHole(BackendHeaderRules.plain.upstreamHeaders(client: actualRequest, context: context, routeEdits: route.requestHeaders))
}

benchmark("headers: upstream request, classic function (12 lines)") {
    blackHole(BackendHeaderRules.functionRuntime(seesHeadersAndCookies: false).upstreamHeaders(client: actualRequest, context: context, routeEdits: route.requestHeaders))
}

benchmark("headers: client response, plain backend (6 lines)") {
    blackHole(BackendHeaderRules.plain.responseHeaders(backend: backendResponse, requestId: context.requestId, routeEdits: route.responseHeaders))
}

benchmark("cookies: Set-Cookie rewrite") {
    blackHole(route.cookies.rewrite(setCookie: "session=abc; Path=/; Max-Age=999999; Domain=example.com", now: 1_790_000_000))
}

benchmark("routes: match the 4th of 4 routes") {
    blackHole(table.match(host: "gw.example.com", path: "/fn/hello?x=1", method: "GET"))
}

/// Keeps a result alive so the optimiser cannot drop the work that made it.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

Benchmark.main()
