import GatewayTestSupport
import Testing

/// SPEC §3 limits on the client side: 431, 413 (fixed and chunked), 408, idle close.
@Suite("Request limits", .serialized)
struct RequestLimitTests {
    @Test func tooManyHeadersIs431() async throws {
        try await withGateway(limits: #""maxRequestHeaders": 10"#) { gateway, backend in
            let headers = (0..<11).map { ("X-H\($0)", "v") }
            let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/echo", headers: headers)
            #expect(response.status == 431)
            #expect(try UpstreamFailureTests.errorBody(response).error == "headers_too_large")
            #expect(backend.requests.isEmpty)
        }
    }

    @Test func headersOverTheByteLimitAre431() async throws {
        try await withGateway(limits: #""maxRequestHeaderBytes": 1024"#) { gateway, _ in
            let cookie = String(repeating: "c", count: 1100)
            let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/echo", headers: [("Cookie", "a=\(cookie)")])
            #expect(response.status == 431)
            #expect(try UpstreamFailureTests.errorBody(response).message == "Request headers or cookies too long")
        }
    }

    @Test func hugeHeadOverflowingTheDecoderIs431() async throws {
        try await withGateway(limits: #""maxRequestHeaderBytes": 1024"#) { gateway, _ in
            let value = String(repeating: "x", count: 10_000)
            let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/echo", headers: [("X-Big", value)])
            #expect(response.status == 431)
        }
    }

    @Test func declaredBodyOverTheLimitIs413WithoutContactingTheBackend() async throws {
        try await withGateway(limits: #""maxRequestBodyBytes": 1000"#) { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.sendRequest(method: "POST", path: "/fn/echo", headers: [("Content-Length", "1001")])
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(try UpstreamFailureTests.errorBody(response).error == "body_too_large")
            #expect(backend.requests.isEmpty)
        }
    }

    @Test func chunkedBodyOverTheLimitIs413() async throws {
        try await withGateway(limits: #""maxRequestBodyBytes": 1000"#) { gateway, _ in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.sendRequest(method: "POST", path: "/fn/silent", headers: [("Transfer-Encoding", "chunked")])
            try client.send(Wire.chunked(Wire.body(1500), chunkSize: 500))
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(try client.isClosedByPeer(within: .seconds(2)))
        }
    }

    @Test func chunkedBodyAtTheLimitPasses() async throws {
        try await withGateway(limits: #""maxRequestBodyBytes": 1000"#) { gateway, _ in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.sendRequest(method: "POST", path: "/fn/echo", headers: [("Transfer-Encoding", "chunked")])
            try client.send(Wire.chunked(Wire.body(1000), chunkSize: 300))
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(try EchoReport(json: response.body).bodyBytes == 1000)
        }
    }

    @Test func partialHeadPastTheHeaderTimeoutIs408() async throws {
        try await withGateway(limits: #""headerTimeoutMs": 300"#) { gateway, _ in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.send("GET /fn/echo HTTP/1.1\r\nHost: x\r\n")
            let response = try client.readResponse(timeout: .seconds(3))
            #expect(response.status == 408)
            #expect(try UpstreamFailureTests.errorBody(response).error == "header_timeout")
            #expect(try client.isClosedByPeer(within: .seconds(2)))
        }
    }

    @Test func silentConnectionIsClosedWithoutAResponse() async throws {
        try await withGateway(limits: #""headerTimeoutMs": 300"#) { gateway, _ in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            #expect(try client.isClosedByPeer(within: .seconds(3)))
            #expect(throws: RawHTTPClientError.self) { try client.readResponse(timeout: .milliseconds(100)) }
        }
    }

    @Test func idleKeepAliveConnectionIsClosedAfterIdleTimeout() async throws {
        try await withGateway(limits: #""idleTimeoutMs": 300, "headerTimeoutMs": 5000"#) { gateway, _ in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.sendRequest(path: "/fn/echo")
            #expect(try client.readResponse().status == 200)
            let started = ContinuousClock.now
            #expect(try client.isClosedByPeer(within: .seconds(3)))
            #expect(ContinuousClock.now - started < .seconds(2))
        }
    }

    /// The head clock of a keep-alive connection's next request runs from its first byte, even
    /// when that deadline falls before the idle one already waiting.
    @Test func partialSecondHeadTimesOutBeforeTheIdleDeadline() async throws {
        try await withGateway(limits: #""idleTimeoutMs": 5000, "headerTimeoutMs": 300"#) { gateway, _ in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.sendRequest(path: "/fn/echo")
            #expect(try client.readResponse().status == 200)
            try await Task.sleep(for: .milliseconds(400))  // past the first head's deadline
            let started = ContinuousClock.now
            try client.send("GET /fn/echo HTTP/1.1\r\nHost: x\r\n")
            let response = try client.readResponse(timeout: .seconds(3))
            #expect(response.status == 408)
            #expect(ContinuousClock.now - started < .seconds(1))
        }
    }

    @Test func connectionsBeyondMaxConnectionsAreClosedAtOnce() async throws {
        try await withGateway(limits: #""maxConnections": 2"#) { gateway, _ in
            let first = try RawHTTPClient.connect(port: gateway.port)
            let second = try RawHTTPClient.connect(port: gateway.port)
            defer { first.close(); second.close() }
            #expect(await gateway.eventually { gateway.server.openConnections == 2 })
            let third = try RawHTTPClient.connect(port: gateway.port)
            defer { third.close() }
            #expect(try third.isClosedByPeer(within: .seconds(2)))
            try first.sendRequest(path: "/fn/echo")
            #expect(try first.readResponse().status == 200)
        }
    }

    @Test func malformedRequestIs400() async throws {
        try await withGateway { gateway, _ in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.send("GET /fn/echo HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(try UpstreamFailureTests.errorBody(response).error == "bad_request")
        }
    }
}
