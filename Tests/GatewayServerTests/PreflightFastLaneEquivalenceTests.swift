import GatewayTestSupport
import Testing

/// The preflight fast lane answers byte for byte what the general path (NIO's decoder and
/// `ProxyHandler`) answers, over real sockets: each preflight goes once on a fresh connection
/// (the fast lane) and once on a connection that a proxied GET moved to the general path.
@Suite("Preflight fast lane matches the general path", .serialized)
struct PreflightFastLaneEquivalenceTests {
    static let cors = """
        "cors": { "allowOrigins": ["https://app.example.com", "https://*.example.org"], "allowCredentials": true,
                  "allowMethods": ["GET", "POST"], "allowHeaders": ["content-type"], "exposeHeaders": ["x-request-id"],
                  "maxAge": 600, "debug": true }
        """

    static let preflights: [(String, [(String, String)])] = [
        ("allowed", [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "content-type")]),
        ("wildcard", [("Origin", "https://a.b.example.org"), ("Access-Control-Request-Method", "GET")]),
        ("origin refused", [("Origin", "https://example.org.evil.com"), ("Access-Control-Request-Method", "GET")]),
        ("method refused", [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "PUT")]),
        ("header refused", [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "x-api-key")]),
        ("two header lines", [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "Content-Type"), ("access-control-request-headers", "")]),
        ("private network", [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Private-Network", "true")]),
        ("names in other cases", [("ORIGIN", "https://app.example.com"), ("access-control-request-method", "POST"), ("Connection", "keep-alive")]),
        ("underscore name", [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "GET"), ("X_Trace", "1")]),
    ]

    /// `request` answered by the fast lane (first on a fresh connection) and by the general path
    /// (behind a GET, which hands the connection to NIO's decoder), as in
    /// `everyAnswerMatchesTheGeneralPath`, which also repeats it on the fresh connection; the
    /// GET reaches the backend as `/echo/first`.
    static func bothPaths(_ request: [UInt8], port: Int, host: String) throws -> (fast: RawResponse, general: RawResponse) {
        let fresh = try RawHTTPClient.connect(port: port)
        defer { fresh.close() }
        try fresh.send(request)
        let fast = try fresh.readResponse()

        let moved = try RawHTTPClient.connect(port: port)
        defer { moved.close() }
        try moved.send(RawHTTPClient.requestBytes(method: "GET", path: "/fn/echo/first", host: host))
        #expect(try moved.readResponse().status == 200)
        try moved.send(request)
        return (fast, try moved.readResponse())
    }

    @Test func everyAnswerMatchesTheGeneralPath() async throws {
        try await withGateway(route: Self.cors) { gateway, backend in
            let host = "127.0.0.1:\(gateway.port)"
            for (index, (name, headers)) in Self.preflights.enumerated() {
                let request = RawHTTPClient.requestBytes(
                    method: "OPTIONS", path: "/fn/echo/p?q=\(index)", host: host, headers: headers + [("X-Request-Id", "same-\(index)")])

                let fresh = try RawHTTPClient.connect(port: gateway.port)
                defer { fresh.close() }
                try fresh.send(request)
                let fast = try fresh.readResponse()

                let moved = try RawHTTPClient.connect(port: gateway.port)
                defer { moved.close() }
                try moved.send(RawHTTPClient.requestBytes(method: "GET", path: "/fn/echo/first", host: host))
                #expect(try moved.readResponse().status == 200)
                try moved.send(request)
                let general = try moved.readResponse()

                #expect(fast.rawHead == general.rawHead, "\(name)")
                #expect(fast.body.isEmpty && general.body.isEmpty, "\(name)")
                #expect(fast.status == 204 || fast.status == 403, "\(name)")
                // Both connections stay open for the next request.
                try fresh.send(request)
                #expect(try fresh.readResponse().rawHead == fast.rawHead, "\(name), repeated")
            }
            // The backend saw the GETs only: every preflight was answered at the edge.
            #expect(backend.requests.map(\.uri) == Array(repeating: "/echo/first", count: Self.preflights.count))
            let preflightLines = gateway.accessLog.entries.filter { $0["method"] == "OPTIONS" }
            #expect(preflightLines.count == 3 * Self.preflights.count)
        }
    }

    /// SPEC §11: both paths route on the normalised path and refuse the same paths and Hosts.
    static let hostile: [(name: String, path: String, host: String?, status: Int)] = [
        ("dot-segments", "/x/../fn/./echo/p", nil, 204),
        ("encoded dot-segments", "/x/%2E%2e/fn/%2e/echo/p", nil, 204),
        ("climb above the root", "/fn/../../fn/echo/p", nil, 400),
        ("encoded slash", "/fn/a%2Fb", nil, 400),
        ("Host with user info", "/fn/echo/p", "admin.internal:@evil.com", 400),
        ("Host with an empty label", "/fn/echo/p", "x..example.com", 400),
    ]

    @Test func hostilePathsAndHostsDecideAlike() async throws {
        try await withGateway(route: Self.cors) { gateway, backend in
            let validHost = "127.0.0.1:\(gateway.port)"
            for (index, (name, path, host, status)) in Self.hostile.enumerated() {
                let request = RawHTTPClient.requestBytes(
                    method: "OPTIONS", path: path, host: host ?? validHost, headers: Self.preflights[0].1 + [("X-Request-Id", "hostile-\(index)")])

                let (fast, general) = try Self.bothPaths(request, port: gateway.port, host: validHost)

                #expect(fast.status == status, "\(name)")
                #expect(fast.rawHead == general.rawHead, "\(name)")
                #expect(fast.body == general.body, "\(name)")
            }
            #expect(backend.requests.map(\.uri) == Array(repeating: "/echo/first", count: Self.hostile.count))
        }
    }

    /// Under `limits.underscoreHeaders: "reject"` a preflight with such a name is refused (400)
    /// whichever path reads it.
    @Test func anUnderscoreNameUnderRejectIsRefusedOnBothPaths() async throws {
        try await withGateway(limits: #""underscoreHeaders": "reject""#, route: Self.cors) { gateway, backend in
            let host = "127.0.0.1:\(gateway.port)"
            let request = RawHTTPClient.requestBytes(
                method: "OPTIONS", path: "/fn/echo/p", host: host,
                headers: [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "GET"), ("X_Trace", "1")])

            let (fast, general) = try Self.bothPaths(request, port: gateway.port, host: host)

            for response in [fast, general] {
                #expect(response.status == 400)
                #expect(try UpstreamFailureTests.errorBody(response).error == "bad_request")
            }
            #expect(backend.requests.map(\.uri) == ["/echo/first"])
        }
    }
}
