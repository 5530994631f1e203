import Foundation
import GatewayTestSupport
import Testing

/// Backend faults map to SPEC §7: 502/504 with JSON bodies before the head; an aborted
/// connection after it.
@Suite("Upstream failures", .serialized)
struct UpstreamFailureTests {
    struct ErrorBody: Decodable {
        var error: String
        var message: String
        var requestId: String
    }

    static func errorBody(_ response: RawResponse) throws -> ErrorBody {
        try JSONDecoder().decode(ErrorBody.self, from: Data(response.body))
    }

    @Test func refusedConnectionIsAFast502() async throws {
        let port = try await closedLoopbackPort()
        let gateway = try await GatewayHarness.start(config: TestConfig.single(backendURL: "http://127.0.0.1:\(port)"))
        let started = ContinuousClock.now
        let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/x", headers: [("X-Request-Id", "req-1")])
        let elapsed = ContinuousClock.now - started
        try await gateway.shutdown()
        #expect(response.status == 502)
        #expect(response.header("content-type") == "application/json")
        #expect(response.header("x-request-id") == "req-1")
        let body = try Self.errorBody(response)
        #expect(body.error == "upstream_unavailable")
        #expect(body.requestId == "req-1")
        #expect(elapsed < .milliseconds(500), "took \(elapsed)")
    }

    @Test func connectTimeoutIsA502() async throws {
        let listener = try StalledListener()
        defer { listener.close() }
        let gateway = try await GatewayHarness.start(
            config: TestConfig.single(backendURL: "http://127.0.0.1:\(listener.port)", backend: #""connectTimeoutMs": 300"#)
        )
        let started = ContinuousClock.now
        let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/x")
        let elapsed = ContinuousClock.now - started
        try await gateway.shutdown()
        #expect(response.status == 502)
        #expect(try Self.errorBody(response).error == "upstream_unavailable")
        #expect(elapsed >= .milliseconds(290), "the connect did not hang: \(elapsed)")
        #expect(elapsed < .seconds(3))
    }

    @Test func silentBackendIsA504() async throws {
        try await withGateway(backend: #""responseTimeoutMs": 300"#) { gateway, _ in
            let started = ContinuousClock.now
            let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/silent")
            #expect(response.status == 504)
            #expect(try Self.errorBody(response).error == "upstream_timeout")
            #expect(ContinuousClock.now - started >= .milliseconds(290))
            #expect(await gateway.eventually { gateway.engine.transfersInFlight == 0 })
        }
    }

    /// Keep-alive requests each get the whole timeout from their own start: the second one
    /// answers after the first one's deadline would have passed, and the third times out a full
    /// timeout after it was sent.
    @Test func eachRequestOnAConnectionGetsItsOwnResponseTimeout() async throws {
        try await withGateway(backend: #""responseTimeoutMs": 300"#) { gateway, _ in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            for _ in 0..<2 {
                try client.sendRequest(path: "/fn/slow-head/200")
                #expect(try client.readResponse().status == 200)
            }
            let started = ContinuousClock.now
            try client.sendRequest(path: "/fn/silent")
            let response = try client.readResponse()
            #expect(response.status == 504)
            #expect(ContinuousClock.now - started >= .milliseconds(290))
        }
    }

    @Test(arguments: ["/fn/hangup-before-head", "/fn/garbage"])
    func brokenResponseBeforeTheHeadIsA502(path: String) async throws {
        try await withGateway { gateway, _ in
            let response = try RawHTTPClient.request(port: gateway.port, path: path)
            #expect(response.status == 502)
            #expect(try Self.errorBody(response).error == "upstream_invalid_response")
        }
    }

    @Test func oversizedResponseHeadIsA502() async throws {
        try await withGateway(limits: #""maxResponseHeaderBytes": 1024"#) { gateway, _ in
            let big = String(repeating: "v", count: 2000)
            let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/headers?X-Big=\(big)")
            #expect(response.status == 502)
            #expect(try Self.errorBody(response).error == "upstream_invalid_response")
        }
    }

    @Test func failureAfterTheHeadAbortsTheClientConnection() async throws {
        try await withGateway { gateway, _ in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.sendRequest(path: "/fn/fail-mid-body/100000")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.values(of: "content-length") == ["200000"])
            #expect(!response.bodyComplete, "a truncated body must not look complete")
            #expect(response.connectionEnd != nil)
            #expect(response.body == TestBackend.patternBytes(count: response.body.count))
        }
    }

    @Test func noRouteIs404Json() async throws {
        try await withGateway { gateway, backend in
            let response = try RawHTTPClient.request(port: gateway.port, path: "/elsewhere")
            #expect(response.status == 404)
            #expect(response.header("content-type") == "application/json")
            let body = try Self.errorBody(response)
            #expect(body.error == "no_route")
            #expect(response.header("x-request-id") == body.requestId)
            #expect(backend.requests.isEmpty)
        }
    }
}
