import GatewayTestSupport
import Testing

/// What the gateway must not touch: encoded bodies, redirects, bodies delimited by close.
@Suite("Pass-through fidelity", .serialized)
struct PassThroughTests {
    private func withScripted(
        _ response: [UInt8], _ body: (GatewayHarness) async throws -> Void
    ) async throws {
        let backend = try await ScriptedBackend.start(response: response)
        do {
            try await withGateway(frontOf: backend.baseURL, body)
        } catch {
            try await backend.shutdown()
            throw error
        }
        try await backend.shutdown()
    }

    @Test func encodedBodyIsNotDecoded() async throws {
        // Bytes that are not valid gzip: a decoding proxy would fail or change them.
        let payload: [UInt8] = [0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02]
        let head = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: \(payload.count)\r\n\r\n"
        try await withScripted(Array(head.utf8) + payload) { gateway in
            let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/x", headers: [("Accept-Encoding", "gzip")])
            #expect(response.status == 200)
            #expect(response.header("content-encoding") == "gzip")
            #expect(response.values(of: "content-length") == ["\(payload.count)"])
            #expect(response.body == payload)
        }
    }

    @Test func redirectsAreReturnedNotFollowed() async throws {
        let head = "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n\r\n"
        try await withScripted(Array(head.utf8)) { gateway in
            let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/x")
            #expect(response.status == 302)
            #expect(response.header("location") == "http://127.0.0.1:1/elsewhere")
        }
    }

    @Test func bodyDelimitedByCloseIsReframed() async throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nuntil the end"
        try await withScripted(Array(head.utf8)) { gateway in
            let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/x")
            #expect(response.status == 200)
            #expect(response.framing == .chunked)  // the client connection stays reusable
            #expect(response.bodyText == "until the end")
            #expect(response.values(of: "connection").isEmpty)
        }
    }
}
