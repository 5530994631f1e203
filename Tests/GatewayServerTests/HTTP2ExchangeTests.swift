import Foundation
import GatewayTestSupport
import NIOHTTP1
import Testing

/// HTTP/2 streams over TLS (SPEC §12): each stream is one exchange with the HTTP/1.1
/// semantics: routing, bodies both ways, CORS answered at the edge, limits, backpressure
/// through the stream's flow-control window.
@Suite("HTTP/2 exchanges (SPEC §12)", .serialized)
struct HTTP2ExchangeTests {
    static let bound = 2 * 1024 * 1024
    static let sixtyFourMiB = 64 * 1024 * 1024

    @Test func aGetIsRoutedForwardedAsHTTPSAndLogged() async throws {
        try await TLSGateway.with { tls in
            let client = try await H2TestClient.connect(port: tls.tlsPort, serverName: "a.test")
            let response = try await client.request(path: "/fn/bytes/100000", authority: "a.test")
            await client.close()
            #expect(response.status == 200)
            #expect(response.body == TestBackend.patternBytes(count: 100_000))
            #expect(response.header("x-request-id") != nil)
            let request = try #require(tls.backend.requests.last)
            #expect(request.values(of: "x-forwarded-proto") == ["https"])
            #expect(request.values(of: "host").count <= 1)
            #expect(await tls.gateway.eventually { tls.gateway.accessLog.entries.last?["protocol"] == "HTTP/2" })
        }
    }

    /// A body with a content-length, and one without (streamed to the backend chunked), each
    /// echoed back whole.
    @Test(arguments: [true, false])
    func requestBodiesGoUpAndResponseBodiesComeBack(withLength: Bool) async throws {
        try await TLSGateway.with { tls in
            let body = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
            var headers = [("x-echo-body", "1")]
            if withLength { headers.append(("content-length", "\(body.count)")) }
            let client = try await H2TestClient.connect(port: tls.tlsPort, serverName: "a.test")
            let response = try await client.request(method: .POST, path: "/fn/echo", authority: "a.test", headers: headers, body: body)
            await client.close()
            #expect(response.status == 200)
            #expect(TestBackend.checksum(response.body) == TestBackend.checksum(body))
            let request = try #require(tls.backend.requests.last)
            #expect(request.values(of: "transfer-encoding") == (withLength ? [] : ["chunked"]))
            #expect(request.values(of: "content-length") == (withLength ? ["\(body.count)"] : []))
        }
    }

    @Test func aPreflightIsAnsweredAtTheEdge() async throws {
        try await TLSGateway.with { tls in
            let client = try await H2TestClient.connect(port: tls.tlsPort, serverName: "a.test")
            let allowed = try await client.request(
                method: .OPTIONS, path: "/fn/items", authority: "a.test",
                headers: [("origin", "https://app.test"), ("access-control-request-method", "PUT"), ("access-control-request-headers", "x-token")])
            let rejected = try await client.request(
                method: .OPTIONS, path: "/fn/items", authority: "a.test",
                headers: [("origin", "https://evil.test"), ("access-control-request-method", "PUT")])
            await client.close()
            #expect(allowed.status == 204)
            #expect(allowed.header("access-control-allow-origin") == "https://app.test")
            #expect(allowed.header("access-control-allow-credentials") == "true")
            #expect(allowed.header("access-control-allow-methods")?.contains("PUT") == true)
            #expect(rejected.status == 403)
            #expect(rejected.header("access-control-allow-origin") == nil)
            #expect(tls.backend.requests.isEmpty, "a preflight reached the backend")
        }
    }

    /// The same requests over HTTP/1.1 and HTTP/2 get the same status and CORS headers.
    @Test func http2DecidesAsHTTP11Does() async throws {
        let cases: [(method: HTTPMethod, path: String, headers: [(String, String)])] = [
            (.GET, "/fn/echo", [("origin", "https://app.test")]),
            (.GET, "/fn/echo", [("origin", "https://evil.test")]),
            (.GET, "/nowhere", []),
            (.GET, "/fn/../../x", []),
            (.GET, "/fn/echo", [("x-big", String(repeating: "a", count: 20_000))]),
            (.OPTIONS, "/fn/echo", [("origin", "https://app.test"), ("access-control-request-method", "DELETE")]),
        ]
        try await TLSGateway.with { tls in
            let client = try await H2TestClient.connect(port: tls.tlsPort, serverName: "a.test")
            for request in cases {
                let h2 = try await client.request(method: request.method, path: request.path, authority: "a.test", headers: request.headers)
                let h1 = try RawHTTPClient.request(
                    port: tls.gateway.port, method: request.method.rawValue, path: request.path,
                    headers: [("Host", "a.test")] + request.headers)
                #expect(h2.status == h1.status, "\(request.method) \(request.path)")
                for name in ["access-control-allow-origin", "access-control-allow-credentials", "vary", "content-type"] {
                    #expect(h2.header(name) == h1.header(name), "\(name) for \(request.method) \(request.path)")
                }
            }
            await client.close()
        }
    }

    /// Cookie fields split by HTTP/2 reach an HTTP/1.1 backend as one header (RFC 9113 §8.2.3).
    @Test func splitCookiesAreJoinedForTheBackend() async throws {
        try await TLSGateway.with { tls in
            let client = try await H2TestClient.connect(port: tls.tlsPort, serverName: "a.test")
            let response = try await client.request(path: "/fn/echo", authority: "a.test", headers: [("cookie", "a=1"), ("x-k", "v"), ("cookie", "b=2")])
            await client.close()
            #expect(response.status == 200)
            #expect(tls.backend.requests.last?.values(of: "cookie") == ["a=1; b=2"])
        }
    }

    /// 100 streams at once on one connection (the SETTINGS limit), each answered.
    @Test func aHundredConcurrentStreamsOnOneConnection() async throws {
        try await TLSGateway.with { tls in
            let client = try await H2TestClient.connect(port: tls.tlsPort, serverName: "a.test")
            var streams: [H2Stream] = []
            for index in 0..<100 {
                streams.append(try await client.start(path: "/fn/slow-head/300?i=\(index)", authority: "a.test"))
            }
            var statuses: [Int] = []
            for stream in streams { statuses.append(try await stream.response(timeout: .seconds(30)).status) }
            await client.close()
            #expect(statuses == Array(repeating: 200, count: 100))
            let connections = try tls.gateway.scrape().value(
                .init("cors_gateway_connections_total", ["listener": "127.0.0.1:0", "protocol": "h2", "tls": "true"]))
            #expect(connections == 1)
        }
    }

    /// Draining (SPEC §8) on HTTP/2: GOAWAY, streams in flight finish, then the connection closes.
    @Test func aDrainLetsStreamsInFlightFinishThenCloses() async throws {
        try await TLSGateway.with { tls in
            let client = try await H2TestClient.connect(port: tls.tlsPort, serverName: "a.test")
            let stream = try await client.start(path: "/fn/slow-head/500", authority: "a.test")
            try await Task.sleep(for: .milliseconds(100))
            let started = ContinuousClock.now
            await tls.gateway.server.drain(budget: .seconds(10))
            #expect(ContinuousClock.now - started < .seconds(5), "the drain waited for more than the stream")
            #expect(try await stream.response(timeout: .seconds(1)).status == 200)
            #expect(!client.isActive, "the connection should be closed after the drain")
            await client.close()
        }
    }

    /// A stream whose client reads nothing shuts its window: the backend is held back and the
    /// gateway's buffer stays bounded, as over HTTP/1.1; reading resumes it intact.
    @Test func aDownloadToAStalledStreamStaysBounded() async throws {
        try await TLSGateway.with { tls in
            let client = try await H2TestClient.connect(port: tls.tlsPort, serverName: "a.test")
            let stream = try await client.start(path: "/fn/bytes/\(Self.sixtyFourMiB)", authority: "a.test", reading: false)
            try await Task.sleep(for: .seconds(1))
            var peak = 0
            var served: [Int] = []
            for _ in 0..<10 {
                peak = max(peak, tls.gateway.engine.bufferedBytes)
                served.append(tls.backend.bytesServed)
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(peak <= Self.bound, "gateway buffered \(peak) bytes")
            #expect(served.last! < Self.sixtyFourMiB / 2, "the backend was not held back: \(served.last!)")
            #expect(served.last! == served.first!, "the backend kept sending while the stream read nothing")
            try await stream.resumeReading()
            let response = try await stream.response(timeout: .seconds(120))
            await client.close()
            #expect(response.body.count == Self.sixtyFourMiB)
            #expect(TestBackend.checksum(response.body) == TestBackend.checksum(TestBackend.patternBytes(count: Self.sixtyFourMiB)))
        }
    }

    /// An upload to a backend that reads nothing: the stream's window stays shut once the
    /// gateway stops taking bytes, so neither it nor the backend buffers the upload.
    @Test func anUploadToABackendThatReadsNothingStaysBounded() async throws {
        try await TLSGateway.with(limits: #""maxRequestBodyBytes": 134217728"#) { tls in
            let client = try await H2TestClient.connect(port: tls.tlsPort, serverName: "a.test")
            let body = [UInt8](repeating: 0x61, count: Self.sixtyFourMiB)
            _ = try await client.start(
                method: .POST, path: "/fn/no-read", authority: "a.test", headers: [("content-length", "\(body.count)")], body: body)
            try await Task.sleep(for: .seconds(2))
            #expect(tls.gateway.engine.bufferedBytes <= Self.bound, "gateway buffered \(tls.gateway.engine.bufferedBytes) bytes")
            #expect(tls.backend.uploadBytesRead < Self.sixtyFourMiB / 2)
            await client.close()
        }
    }
}
