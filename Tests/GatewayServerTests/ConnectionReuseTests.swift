import GatewayTestSupport
import Testing

@Suite("Upstream connection reuse", .serialized)
struct ConnectionReuseTests {
    /// 100 sequential requests on one client connection reach the backend over one pooled
    /// upstream connection.
    @Test func hundredSequentialRequestsShareOneUpstreamConnection() async throws {
        try await withGateway { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            for index in 0..<100 {
                try client.sendRequest(path: "/fn/echo/\(index)")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(try EchoReport(json: response.body).uri == "/echo/\(index)")
            }
            #expect(backend.requests.count == 100)
            #expect(backend.acceptedConnections == 1)
            #expect(Set(backend.requests.map(\.connection)).count == 1)
        }
    }

    /// Pipelined requests are answered in order on the client connection.
    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withGateway { gateway, _ in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            let host = "127.0.0.1:\(gateway.port)"
            let paths = ["/fn/slow-head/200", "/fn/echo/second", "/fn/bytes/70000", "/fn/echo/fourth"]
            try client.send(paths.flatMap { RawHTTPClient.requestBytes(method: "GET", path: $0, host: host) })
            let first = try client.readResponse()
            #expect(first.bodyText == "slow\n")
            #expect(try EchoReport(json: try client.readResponse().body).uri == "/echo/second")
            #expect(try client.readResponse().body == TestBackend.patternBytes(count: 70000))
            #expect(try EchoReport(json: try client.readResponse().body).uri == "/echo/fourth")
        }
    }

    /// `maxConnections` caps the connections to one backend; extra requests wait their turn.
    @Test func backendMaxConnectionsCapsConcurrentUpstreamConnections() async throws {
        try await withGateway(backend: #""maxConnections": 2"#) { gateway, backend in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try RawHTTPClient.request(port: gateway.port, path: "/fn/slow-head/150").status
                    }
                }
                for try await status in group { #expect(status == 200) }
            }
            #expect(backend.acceptedConnections <= 2)
            #expect(backend.requests.count == 6)
        }
    }
}
