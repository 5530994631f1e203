import GatewayTestSupport
import Testing

/// The misbehaving upstreams the gateway must survive look, on the wire, as documented.
@Suite("TestBackend failure modes", .timeLimit(.minutes(1)))
struct TestBackendFailureModeTests {
    @Test func silentNeverAnswersAndKeepsTheConnection() async throws {
        try await TestBackend.withStarted { backend in
            let client = try RawHTTPClient.connect(port: backend.port)
            defer { client.close() }
            try client.sendRequest(path: "/silent")
            #expect(throws: RawHTTPClientError.self) { try client.readResponse(timeout: .milliseconds(300)) }
            #expect(try !client.isClosedByPeer(within: .milliseconds(100)))
            #expect(backend.requests.first?.bodyComplete == true)
        }
    }

    @Test func hangupBeforeHeadClosesBeforeAnyResponse() async throws {
        try await TestBackend.withStarted { backend in
            let client = try RawHTTPClient.connect(port: backend.port)
            defer { client.close() }
            try client.sendRequest(path: "/hangup-before-head")
            let error = try #require(throws: RawHTTPClientError.self) { try client.readResponse() }
            guard case .closedBeforeResponseHead(let received) = error else {
                Issue.record("expected the connection to end before a head, got \(error)")
                return
            }
            #expect(received.isEmpty)
        }
    }

    @Test func garbageIsNotHTTP() async throws {
        try await TestBackend.withStarted { backend in
            let client = try RawHTTPClient.connect(port: backend.port)
            defer { client.close() }
            try client.sendRequest(path: "/garbage")
            let error = try #require(throws: RawHTTPClientError.self) { try client.readResponse() }
            guard case .malformedResponse = error else {
                Issue.record("expected a malformed response, got \(error)")
                return
            }
            #expect(try client.isClosedByPeer(within: .seconds(2)))
        }
    }

    @Test func failMidBodySendsHalfThenCloses() async throws {
        try await TestBackend.withStarted { backend in
            let response = try RawHTTPClient.request(port: backend.port, path: "/fail-mid-body/1000")
            #expect(response.status == 200)
            #expect(response.framing == .contentLength(2000))
            #expect(response.body == TestBackend.patternBytes(count: 1000))
            #expect(!response.bodyComplete)
            #expect(response.connectionEnd == .closed)
        }
    }

    @Test func slowHeadWaitsBeforeAnswering() async throws {
        try await TestBackend.withStarted { backend in
            let started = ContinuousClock.now
            let response = try RawHTTPClient.request(port: backend.port, path: "/slow-head/200")
            #expect(ContinuousClock.now - started >= .milliseconds(200))
            #expect(response.bodyText == "slow\n")
        }
    }

    @Test(arguments: [200, 204, 304, 404, 503])
    func statusAnswersWithAnEmptyBody(code: Int) async throws {
        try await TestBackend.withStarted { backend in
            let response = try RawHTTPClient.request(port: backend.port, path: "/status/\(code)")
            #expect(response.status == code)
            #expect(response.body.isEmpty)
            #expect(response.bodyComplete)
            if code == 204 || code == 304 {
                #expect(response.values(of: "content-length").isEmpty)
                #expect(response.values(of: "transfer-encoding").isEmpty)
            } else {
                #expect(response.values(of: "content-length") == ["0"])
            }
        }
    }

    @Test func headersComeFromTheQueryInOrder() async throws {
        try await TestBackend.withStarted { backend in
            let response = try RawHTTPClient.request(
                port: backend.port, path: "/headers?Set-Cookie=a%3D1&Set-Cookie=b%3D2&Vary=Accept")
            #expect(response.headers.map(\.0) == ["Set-Cookie", "Set-Cookie", "Vary", "Content-Length"])
            #expect(response.values(of: "set-cookie") == ["a=1", "b=2"])
            #expect(response.header("vary") == "Accept")
        }
    }

    @Test func unknownPathIs404() async throws {
        try await TestBackend.withStarted { backend in
            let response = try RawHTTPClient.request(port: backend.port, path: "/nope")
            #expect(response.status == 404)
        }
    }

    @Test func shutdownClosesOpenConnections() async throws {
        let backend = try await TestBackend.start()
        let client = try RawHTTPClient.connect(port: backend.port)
        defer { client.close() }
        try client.sendRequest(path: "/silent")
        try await backend.waitUntil("the request to arrive") { !$0.requests.isEmpty }
        try await backend.shutdown()
        #expect(try client.isClosedByPeer(within: .seconds(2)))
    }
}
