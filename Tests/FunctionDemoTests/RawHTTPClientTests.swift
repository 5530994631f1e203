import GatewayTestSupport
import Testing

/// Response parsing and failure reporting of the raw client, against scripted wire bytes.
@Suite("RawHTTPClient", .timeLimit(.minutes(1)))
struct RawHTTPClientTests {
    @Test func pipelinedResponsesAreReadInOrder() async throws {
        try await TestBackend.withStarted { backend in
            let client = try RawHTTPClient.connect(port: backend.port)
            defer { client.close() }
            let host = "127.0.0.1:\(backend.port)"
            try client.send(
                RawHTTPClient.requestBytes(method: "GET", path: "/echo/first", host: host)
                    + RawHTTPClient.requestBytes(method: "GET", path: "/echo/second", host: host))
            #expect(try EchoReport(json: client.readResponse().body).uri == "/echo/first")
            #expect(try EchoReport(json: client.readResponse().body).uri == "/echo/second")
            #expect(backend.acceptedConnections == 1)
        }
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() async throws {
        let script = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Sum: 9\r\n\r\n"
        try await withScripted(script) { port in
            let response = try RawHTTPClient.request(port: port, path: "/")
            #expect(response.framing == .chunked)
            #expect(response.bodyText == "Wikipedia")
            #expect(response.trailers.map(\.0) == ["X-Sum"])
            #expect(response.bodyComplete)
        }
    }

    @Test func bodyUntilCloseAndRawHeadArePreserved() async throws {
        let head = "HTTP/1.1 200 Fine Thanks\r\nset-COOKIE: a=1\r\nSet-Cookie:b=2  \r\n\r\n"
        try await withScripted(head + "until close") { port in
            let response = try RawHTTPClient.request(port: port, path: "/")
            #expect(response.rawHead == Array(head.utf8))
            #expect(response.reason == "Fine Thanks")
            #expect(response.headers.map(\.0) == ["set-COOKIE", "Set-Cookie"])
            #expect(response.values(of: "Set-Cookie") == ["a=1", "b=2"])
            #expect(response.framing == .untilClose)
            #expect(response.bodyText == "until close")
            #expect(response.bodyComplete)
        }
    }

    @Test func interimResponseIsReturnedOnItsOwn() async throws {
        let script = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        try await withScripted(script) { port in
            let client = try RawHTTPClient.connect(port: port)
            defer { client.close() }
            try client.sendRequest(path: "/")
            #expect(try client.readResponse().status == 100)
            #expect(try client.readResponse().bodyText == "ok")
        }
    }

    @Test func resetMidBodyIsReportedAsIncomplete() async throws {
        let script = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"
        try await withScripted(script, then: .reset) { port in
            let response = try RawHTTPClient.request(port: port, path: "/")
            #expect(!response.bodyComplete)
            #expect(response.connectionEnd != nil)
        }
    }

    @Test func timeoutSaysWhatItWaitedFor() async throws {
        try await TestBackend.withStarted { backend in
            let client = try RawHTTPClient.connect(port: backend.port)
            defer { client.close() }
            try client.sendRequest(path: "/silent")
            let error = try #require(throws: RawHTTPClientError.self) {
                try client.readResponse(timeout: .milliseconds(200))
            }
            #expect("\(error)".contains("response head"))
        }
    }

    @Test func refusedConnectionFailsAtOnce() async throws {
        let backend = try await TestBackend.start()
        let port = backend.port
        try await backend.shutdown()
        #expect(throws: RawHTTPClientError.self) { try RawHTTPClient.connect(port: port) }
    }

    private func withScripted(
        _ script: String, then ending: ScriptedBackend.Ending = .close, _ body: (Int) async throws -> Void
    ) async throws {
        let backend = try await ScriptedBackend.start(response: script, then: ending)
        do {
            try await body(backend.port)
            #expect(backend.requestHeads.count >= 1)
        } catch {
            try? await backend.shutdown()
            throw error
        }
        try await backend.shutdown()
    }
}
