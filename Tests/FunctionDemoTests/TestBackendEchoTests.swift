import GatewayTestSupport
import Testing

/// `/echo` reports exactly what arrived, and the recorder agrees with it.
@Suite("TestBackend echo", .timeLimit(.minutes(1)))
struct TestBackendEchoTests {
    @Test func reportKeepsHeaderOrderDuplicatesAndSpelling() async throws {
        try await TestBackend.withStarted { backend in
            let body = Array("hello, backend".utf8)
            let response = try RawHTTPClient.request(
                port: backend.port, method: "POST", path: "/echo/x?q=1",
                headers: [("X-B", "2"), ("x-a", "1"), ("X-B", "3")], body: body)

            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json")
            let report = try EchoReport(json: response.body)
            #expect(report.method == "POST")
            #expect(report.uri == "/echo/x?q=1")
            #expect(report.headerNames == ["Host", "X-B", "x-a", "X-B", "Content-Length"])
            #expect(report.values(of: "x-b") == ["2", "3"])
            #expect(report.bodyBytes == body.count)
            #expect(report.checksum == TestBackend.checksum(body))

            let recorded = try #require(backend.requests.first)
            #expect(recorded.headerNames == report.headerNames)
            #expect(recorded.checksum == report.checksum)
            #expect(recorded.bodyComplete)
            #expect(recorded.connection == 1)
        }
    }

    @Test func keepAliveRequestsShareOneConnection() async throws {
        try await TestBackend.withStarted { backend in
            let client = try RawHTTPClient.connect(port: backend.port)
            defer { client.close() }
            for path in ["/echo/1", "/echo/2"] {
                try client.sendRequest(path: path)
                #expect(try client.readResponse().status == 200)
            }
            #expect(backend.acceptedConnections == 1)
            #expect(backend.requests.map(\.connection) == [1, 1])
        }
    }

    @Test func echoBodyReturnsTheBytesWithContentLength() async throws {
        try await TestBackend.withStarted { backend in
            let body = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
            let response = try RawHTTPClient.request(
                port: backend.port, method: "PUT", path: "/echo", headers: [("x-echo-body", "1")], body: body)
            #expect(response.framing == .contentLength(body.count))
            #expect(response.bodyComplete)
            // Compared by checksum: a failing array comparison would print every byte.
            #expect(TestBackend.checksum(response.body) == TestBackend.checksum(body))
        }
    }

    @Test func echoBodyOfAChunkedRequestIsChunked() async throws {
        try await TestBackend.withStarted { backend in
            let client = try RawHTTPClient.connect(port: backend.port)
            defer { client.close() }
            try client.sendRequest(
                method: "POST", path: "/echo",
                headers: [("Transfer-Encoding", "chunked"), ("x-echo-body", "1")],
                body: Array("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".utf8))
            let response = try client.readResponse()
            #expect(response.framing == .chunked)
            #expect(response.bodyText == "hello world")
            #expect(backend.requests.first?.bodyBytes == 11)
        }
    }

    @Test func echoBodyStopsReadingWhenTheClientStopsReading() async throws {
        try await TestBackend.withStarted { backend in
            let client = try RawHTTPClient.connect(port: backend.port)
            defer { client.close() }
            try client.setReceiveBuffer(4096)
            let size = 256 * 1024 * 1024
            try client.send(
                RawHTTPClient.requestBytes(
                    method: "POST", path: "/echo", host: "backend",
                    headers: [("x-echo-body", "1"), ("Content-Length", "\(size)")]))
            // The echo cannot drain, so the backend stops reading and the upload stalls.
            let error = try #require(throws: RawHTTPClientError.self) {
                try client.send([UInt8](repeating: 1, count: size), timeout: .seconds(2))
            }
            guard case .sendTimedOut(let sent, _) = error else {
                Issue.record("expected a send timeout, got \(error)")
                return
            }
            #expect(sent < 64 * 1024 * 1024)
        }
    }

    @Test func checksumIsFNV1a64() {
        #expect(TestBackend.checksum([]) == "cbf29ce484222325")
        #expect(TestBackend.checksum(Array("a".utf8)) == "af63dc4c8601ec8c")
        var incremental = BodyChecksum()
        incremental.update(Array("hello ".utf8))
        incremental.update(Array("world".utf8))
        #expect(incremental.hex == TestBackend.checksum(Array("hello world".utf8)))
    }
}
