import Foundation
import GatewayTestSupport
import Testing

/// Requests of every method and body shape pass through the gateway byte for byte, over real
/// sockets and a real libcurl transfer (issue: "round-trip with empty, small and 64 MiB bodies,
/// fixed-length and chunked").
@Suite("Forwarding round trips", .serialized)
struct ForwardingRoundTripTests {
    static let bigLimits = #""maxRequestBodyBytes": 134217728"#
    static let sixtyFourMiB = 64 * 1024 * 1024
    /// Built once: making 64 MiB in a debug build costs seconds per test case.
    static let bigBody = Wire.body(sixtyFourMiB)
    static let bigBodyChecksum = TestBackend.checksum(bigBody)

    enum Framing: String, CaseIterable, Sendable { case fixed, chunked }

    struct UploadCase: Sendable, CustomTestStringConvertible {
        var method: String
        var size: Int
        var framing: Framing
        var testDescription: String { "\(method) \(size) bytes \(framing)" }
    }

    static let uploadCases: [UploadCase] = {
        var cases: [UploadCase] = []
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
            for size in [0, 1000] {
                for framing in Framing.allCases { cases.append(UploadCase(method: method, size: size, framing: framing)) }
            }
        }
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
            for framing in Framing.allCases { cases.append(UploadCase(method: method, size: sixtyFourMiB, framing: framing)) }
        }
        return cases
    }()

    /// The backend reports the size and checksum of what it received, and the framing it saw.
    @Test(arguments: uploadCases)
    func uploadReachesTheBackendByteExact(_ testCase: UploadCase) async throws {
        try await withGateway(limits: Self.bigLimits) { gateway, backend in
            let body = testCase.size == Self.sixtyFourMiB ? Self.bigBody : Wire.body(testCase.size)
            let response = try Self.send(testCase, body: body, path: "/fn/echo/upload", port: gateway.port, extraHeaders: [])
            #expect(response.status == 200)
            let report = try EchoReport(json: response.body)
            #expect(report.method == testCase.method)
            #expect(report.uri == "/echo/upload")
            #expect(report.bodyBytes == testCase.size)
            #expect(report.checksum == (testCase.size == Self.sixtyFourMiB ? Self.bigBodyChecksum : TestBackend.checksum(body)))
            switch testCase.framing {
            case .fixed:
                #expect(report.values(of: "content-length") == ["\(testCase.size)"])
                #expect(report.values(of: "transfer-encoding").isEmpty)
            case .chunked:
                #expect(report.values(of: "transfer-encoding") == ["chunked"])
                #expect(report.values(of: "content-length").isEmpty)
            }
            #expect(report.values(of: "expect").isEmpty)
        }
    }

    /// The backend echoes the body back: the client gets exactly what it sent.
    @Test(arguments: ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"], Framing.allCases)
    func smallBodyEchoesBackByteExact(method: String, framing: Framing) async throws {
        try await withGateway { gateway, _ in
            let body = Wire.body(3000)
            let testCase = UploadCase(method: method, size: body.count, framing: framing)
            let response = try Self.send(testCase, body: body, path: "/fn/echo", port: gateway.port, extraHeaders: [("x-echo-body", "1")])
            #expect(response.status == 200)
            #expect(response.bodyComplete)
            #expect(response.body == body)
        }
    }

    @Test(arguments: [false, true])
    func sixtyFourMiBDownloadIsByteExact(chunked: Bool) async throws {
        try await withGateway { gateway, _ in
            let path = "/fn/bytes/\(Self.sixtyFourMiB)" + (chunked ? "?chunked=1" : "")
            let response = try RawHTTPClient.request(port: gateway.port, path: path, timeout: .seconds(120))
            #expect(response.status == 200)
            #expect(response.bodyComplete)
            #expect(response.body.count == Self.sixtyFourMiB)
            // Checksums, not arrays: a failing 64 MiB comparison would print every byte.
            #expect(TestBackend.checksum(response.body) == TestBackend.checksum(TestBackend.patternBytes(count: Self.sixtyFourMiB)))
            if chunked {
                #expect(response.framing == .chunked)
            } else {
                #expect(response.values(of: "content-length") == ["\(Self.sixtyFourMiB)"])
            }
        }
    }

    /// The gateway answers `Expect: 100-continue` itself, so clients like curl do not stall.
    @Test func expectContinueIsAnsweredAtTheEdge() async throws {
        try await withGateway { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            let body = Wire.body(5000)
            try client.sendRequest(
                method: "POST", path: "/fn/echo", headers: [("Expect", "100-continue"), ("Content-Length", "\(body.count)")]
            )
            let interim = try client.readResponse(timeout: .milliseconds(500))
            #expect(interim.status == 100)
            try client.send(body)
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(try EchoReport(json: response.body).checksum == TestBackend.checksum(body))
            #expect(backend.requests.last?.values(of: "expect") == [])
        }
    }

    @Test func headGetsTheHeadWithoutABody() async throws {
        try await withGateway { gateway, _ in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.sendRequest(method: "HEAD", path: "/fn/bytes/5000")
            let head = try client.readResponse(forHEAD: true)
            #expect(head.status == 200)
            #expect(head.values(of: "content-length") == ["5000"])
            #expect(head.body.isEmpty)
            // Nothing stray follows on the connection: the next response parses cleanly.
            try client.sendRequest(path: "/fn/bytes/10")
            let next = try client.readResponse()
            #expect(next.status == 200)
            #expect(next.body == TestBackend.patternBytes(count: 10))
        }
    }

    /// HEAD of a body the backend would send chunked, and HEAD answered by the gateway itself
    /// (404 with a JSON body on GET): heads only, with their framing lines, and nothing stray
    /// after them on the connection.
    @Test func headOfChunkedAndLocalAnswersSendsNoBody() async throws {
        try await withGateway { gateway, _ in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.sendRequest(method: "HEAD", path: "/fn/bytes/5000?chunked=1")
            let chunked = try client.readResponse(forHEAD: true)
            #expect(chunked.status == 200)
            #expect(chunked.values(of: "transfer-encoding") == ["chunked"])
            #expect(chunked.body.isEmpty)
            try client.sendRequest(method: "HEAD", path: "/nowhere")
            let local = try client.readResponse(forHEAD: true)
            #expect(local.status == 404)
            #expect(Int(local.header("content-length") ?? "") ?? 0 > 0)
            #expect(local.body.isEmpty)
            try client.sendRequest(path: "/fn/bytes/10")
            let next = try client.readResponse()
            #expect(next.status == 200)
            #expect(next.body == TestBackend.patternBytes(count: 10))
        }
    }

    @Test func statusesWithoutBodyPassThrough() async throws {
        try await withGateway { gateway, _ in
            for status in [204, 304, 404, 500, 503] {
                let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/status/\(status)")
                #expect(response.status == status)
                #expect(response.body.isEmpty)
            }
        }
    }

    static func send(
        _ testCase: UploadCase, body: [UInt8], path: String, port: Int, extraHeaders: [(String, String)]
    ) throws -> RawResponse {
        let client = try RawHTTPClient.connect(port: port)
        defer { client.close() }
        var headers = extraHeaders
        let payload: [UInt8]
        switch testCase.framing {
        case .fixed:
            headers.append(("Content-Length", "\(body.count)"))
            payload = body
        case .chunked:
            headers.append(("Transfer-Encoding", "chunked"))
            payload = Wire.chunked(body)
        }
        let head = RawHTTPClient.requestBytes(method: testCase.method, path: path, host: "127.0.0.1:\(port)", headers: headers)
        try client.send(head, timeout: .seconds(10))
        try client.send(payload, timeout: .seconds(120))
        return try client.readResponse(timeout: .seconds(120))
    }
}
