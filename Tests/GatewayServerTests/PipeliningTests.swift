import GatewayTestSupport
import Testing

/// HTTP/1.1 pipelining (RFC 9112 §9.3.2): requests sent back to back on one connection are
/// answered in order, each after the one before it, whatever answers them.
@Suite("Pipelined requests", .serialized)
struct PipeliningTests {
    static let cors = #""cors": { "allowOrigins": ["https://app.example.com"], "allowMethods": ["GET"] }"#

    /// A preflight answered at the edge, a slow proxied request and a quick one, sent at once:
    /// the answers come back in request order, and the backend sees each request once.
    @Test func edgeAnswersAndProxiedAnswersKeepRequestOrder() async throws {
        try await withGateway(route: Self.cors) { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            let host = "127.0.0.1:\(gateway.port)"
            let preflight = RawHTTPClient.requestBytes(
                method: "OPTIONS", path: "/fn/echo/p", host: host,
                headers: [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "GET")])
            let bytes = RawHTTPClient.requestBytes(method: "GET", path: "/fn/slow-head/200", host: host)
                + preflight
                + RawHTTPClient.requestBytes(method: "GET", path: "/fn/echo/third", host: host)
                + preflight
            try client.send(bytes)
            #expect(try client.readResponse().bodyText == "slow\n")
            let answered = try client.readResponse()
            #expect(answered.status == 204)
            #expect(answered.header("Access-Control-Allow-Origin") == "https://app.example.com")
            #expect(try EchoReport(json: try client.readResponse().body).uri == "/echo/third")
            #expect(try client.readResponse().status == 204)
            #expect(backend.requests.map(\.uri) == ["/slow-head/200", "/echo/third"])
        }
    }

    /// A malformed request behind a slow proxied one: the slow response arrives whole first,
    /// then the 400, then the connection closes.
    @Test func malformedPipelinedRequestIsAnsweredAfterTheResponseBeforeIt() async throws {
        try await withGateway { gateway, _ in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            let host = "127.0.0.1:\(gateway.port)"
            try client.send(
                RawHTTPClient.requestBytes(method: "GET", path: "/fn/slow-head/200", host: host)
                    + Array("GET /fn/echo/x HTTP/1.1\r\nHost: \(host)\r\nBad Header: x\r\n\r\n".utf8))
            let first = try client.readResponse()
            #expect(first.status == 200)
            #expect(first.bodyText == "slow\n")
            #expect(try client.readResponse().status == 400)
            #expect(try client.isClosedByPeer(within: .seconds(2)))
        }
    }

    /// A request the gateway answers with an error that closes the connection (400: no Host):
    /// the request pipelined behind it is never forwarded.
    @Test func nothingAfterAClosingErrorIsForwarded() async throws {
        try await withGateway { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            let host = "127.0.0.1:\(gateway.port)"
            try client.send(
                Array("GET /fn/echo/no-host HTTP/1.1\r\n\r\n".utf8)
                    + RawHTTPClient.requestBytes(method: "GET", path: "/fn/echo/after", host: host))
            #expect(try client.readResponse().status == 400)
            #expect(try client.isClosedByPeer(within: .seconds(2)))
            #expect(backend.requests.isEmpty)
        }
    }

    /// Requests pipelined behind `Connection: close` are never answered or forwarded.
    @Test func nothingAfterConnectionCloseIsAnswered() async throws {
        try await withGateway { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            let host = "127.0.0.1:\(gateway.port)"
            try client.send(
                RawHTTPClient.requestBytes(method: "GET", path: "/fn/slow-head/100", host: host, headers: [("Connection", "close")])
                    + RawHTTPClient.requestBytes(method: "GET", path: "/fn/echo/after", host: host))
            #expect(try client.readResponse().bodyText == "slow\n")
            #expect(try client.isClosedByPeer(within: .seconds(2)))
            #expect(backend.requests.map(\.uri) == ["/slow-head/100"])
        }
    }
}
