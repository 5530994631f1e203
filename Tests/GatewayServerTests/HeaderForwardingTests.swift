import GatewayTestSupport
import Testing

/// SPEC §5.3 for a plain backend: hop-by-hop removal, the gateway's own X-Forwarded-*,
/// X-Request-Id, order of repeated headers; and the rewritten target.
@Suite("Header forwarding to a plain backend", .serialized)
struct HeaderForwardingTests {
    /// curl drops a header line given as "Name:" and sends "Name;" as an empty header: the
    /// gateway spells empty values curl's way, so they arrive empty, in place, not lost.
    @Test func emptyHeaderValuesReachTheBackendEmpty() async throws {
        try await withGateway { gateway, backend in
            let response = try RawHTTPClient.request(
                port: gateway.port, path: "/fn/echo/empty",
                headers: [("X-Before", "1"), ("X-Empty", ""), ("X-After", "2")]
            )
            #expect(response.status == 200)
            let request = try #require(backend.requests.last)
            #expect(request.values(of: "x-empty") == [""])
            let names = request.headers.map { $0.0.lowercased() }.filter { $0.hasPrefix("x-") && !$0.hasPrefix("x-forwarded") && $0 != "x-request-id" }
            #expect(names == ["x-before", "x-empty", "x-after"])
        }
    }

    @Test func requestHeadersAreForwardedPerSpec() async throws {
        try await withGateway { gateway, backend in
            let response = try RawHTTPClient.request(
                port: gateway.port, path: "/fn/echo/h?b=2&a=%20&a=1",
                headers: [
                    ("Host", "api.example.com:8443"),
                    ("X-Multi", "one"),
                    ("Connection", "keep-alive, X-Secret"),
                    ("X-Secret", "hop"),
                    ("Keep-Alive", "timeout=5"),
                    ("TE", "trailers"),
                    ("Upgrade", "websocket"),
                    ("Proxy-Authorization", "Basic abc"),
                    ("X-Forwarded-For", "6.6.6.6"),
                    ("X-Forwarded-Proto", "https"),
                    ("Forwarded", "for=6.6.6.6"),
                    ("X-Forwarded-Port", "1"),
                    ("Authorization", "Bearer t"),
                    ("Cookie", "a=1; b=2"),
                    ("X-Multi", "two"),
                    ("Accept", "application/json"),
                    ("X-Request-Id", "abc-123"),
                ]
            )
            #expect(response.status == 200)
            #expect(response.header("x-request-id") == "abc-123")
            let request = try #require(backend.requests.last)
            #expect(request.uri == "/echo/h?b=2&a=%20&a=1")
            let lower = request.headers.map { ($0.0.lowercased(), $0.1) }
            for hop in ["connection", "x-secret", "keep-alive", "te", "upgrade", "proxy-authorization", "forwarded", "x-forwarded-port"] {
                #expect(!lower.contains { $0.0 == hop }, "\(hop) reached the backend")
            }
            #expect(request.values(of: "x-multi") == ["one", "two"])
            #expect(request.values(of: "x-forwarded-for") == ["127.0.0.1"])
            #expect(request.values(of: "x-forwarded-proto") == ["http"])
            #expect(request.values(of: "x-forwarded-host") == ["api.example.com:8443"])
            #expect(request.values(of: "x-request-id") == ["abc-123"])
            #expect(request.values(of: "host") == ["127.0.0.1:\(backend.port)"])
            #expect(request.values(of: "authorization") == ["Bearer t"])
            #expect(request.values(of: "cookie") == ["a=1; b=2"])
            #expect(request.values(of: "accept") == ["application/json"])
            #expect(request.values(of: "user-agent").isEmpty)
            #expect(request.values(of: "expect").isEmpty)
        }
    }

    @Test func curlAddsNoAcceptHeaderOfItsOwn() async throws {
        try await withGateway { gateway, backend in
            _ = try RawHTTPClient.request(port: gateway.port, path: "/fn/echo")
            let request = try #require(backend.requests.last)
            #expect(request.values(of: "accept").isEmpty)
        }
    }

    @Test(arguments: ["", "bad id with spaces", String(repeating: "a", count: 129)])
    func unacceptableRequestIdIsReplaced(clientId: String) async throws {
        try await withGateway { gateway, backend in
            let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/echo", headers: [("X-Request-Id", clientId)])
            let id = try #require(response.header("x-request-id"))
            #expect(id != clientId)
            #expect(id.count == 32)
            #expect(backend.requests.last?.values(of: "x-request-id") == [id])
        }
    }

    @Test func responseHopByHopHeadersAreDroppedAndRepeatsKept() async throws {
        try await withGateway { gateway, _ in
            let response = try RawHTTPClient.request(
                port: gateway.port,
                path: "/fn/headers?Connection=X-Internal&X-Internal=1&Keep-Alive=timeout%3D5&Set-Cookie=a%3D1&Set-Cookie=b%3D2&Vary=Accept"
            )
            #expect(response.status == 200)
            #expect(response.values(of: "x-internal").isEmpty)
            #expect(response.values(of: "keep-alive").isEmpty)
            // Several cookies stay several lines; SPEC §6 defaults add Secure and HttpOnly.
            #expect(response.values(of: "set-cookie") == ["a=1; Secure; HttpOnly", "b=2; Secure; HttpOnly"])
            #expect(response.values(of: "vary") == ["Accept"])
            #expect(response.values(of: "x-request-id").count == 1)
        }
    }

    @Test func routeHeaderEditsApply() async throws {
        let edits = #""headers": { "request": { "set": { "X-Gateway": "1" }, "remove": ["x-debug"] }, "response": { "set": { "X-Served-By": "gw" }, "remove": ["vary"] } }"#
        try await withGateway(route: edits) { gateway, backend in
            let response = try RawHTTPClient.request(
                port: gateway.port, path: "/fn/headers?Vary=Accept", headers: [("X-Debug", "1"), ("X-Gateway", "client")]
            )
            #expect(response.values(of: "x-served-by") == ["gw"])
            #expect(response.values(of: "vary").isEmpty)
            let request = try #require(backend.requests.last)
            #expect(request.values(of: "x-gateway") == ["1"])
            #expect(request.values(of: "x-debug").isEmpty)
        }
    }

    @Test func backendBasePathAndStripPrefixRewriteTheTarget() async throws {
        let backend = try await TestBackend.start()
        let gateway = try await GatewayHarness.start(config: """
            {
              "listen": ["127.0.0.1:0"],
              "backends": { "b": { "url": "\(backend.baseURL)/echo/base" } },
              "routes": [
                { "name": "exact", "match": { "path": "/exact", "methods": ["GET"] }, "backend": "b" },
                { "name": "fn", "match": { "pathPrefix": "/fn/" }, "backend": "b", "rewrite": { "stripPrefix": "/fn" } }
              ]
            }
            """)
        let cases: [(String, String, Int)] = [
            ("/fn/hello?x=1", "/echo/base/hello?x=1", 200),
            ("/fn/", "/echo/base/", 200),
            ("/fn/a%20b?", "/echo/base/a%20b?", 200),
            ("/fn/a%2Fb", "", 400),
            ("/exact", "/echo/base/exact", 200),
            ("/fn", "", 404),
            ("/fnx", "", 404),
            ("/exact/more", "", 404),
        ]
        for (path, expected, status) in cases {
            let response = try RawHTTPClient.request(port: gateway.port, path: path)
            #expect(response.status == status, "\(path)")
            if status == 200 { #expect(try EchoReport(json: response.body).uri == expected, "\(path)") }
        }
        let post = try RawHTTPClient.request(port: gateway.port, method: "POST", path: "/exact", body: [])
        #expect(post.status == 404, "methods: [GET] must not admit POST")
        let head = try RawHTTPClient.request(port: gateway.port, method: "HEAD", path: "/exact")
        #expect(head.status == 200, "GET admits HEAD")
        try await gateway.shutdown()
        try await backend.shutdown()
    }

    @Test func hostPatternsSelectRoutes() async throws {
        let backend = try await TestBackend.start()
        let gateway = try await GatewayHarness.start(config: """
            {
              "listen": ["127.0.0.1:0"],
              "backends": { "b": { "url": "\(backend.baseURL)" } },
              "routes": [
                { "name": "wild", "match": { "hosts": ["*.example.com"], "pathPrefix": "/" }, "backend": "b",
                  "headers": { "request": { "set": { "X-Route": "wild" } } } },
                { "name": "apex", "match": { "hosts": ["example.com"], "pathPrefix": "/" }, "backend": "b",
                  "headers": { "request": { "set": { "X-Route": "apex" } } } }
              ]
            }
            """)
        let cases: [(String, String?)] = [
            ("api.example.com", "wild"), ("A.B.EXAMPLE.COM:8080", "wild"), ("example.com", "apex"),
            ("evilexample.com", nil), ("example.com.evil.net", nil),
        ]
        for (host, route) in cases {
            let response = try RawHTTPClient.request(port: gateway.port, path: "/echo", headers: [("Host", host)])
            if let route {
                #expect(response.status == 200, "\(host)")
                #expect(try EchoReport(json: response.body).values(of: "x-route") == [route], "\(host)")
            } else {
                #expect(response.status == 404, "\(host)")
            }
        }
        try await gateway.shutdown()
        try await backend.shutdown()
    }
}
