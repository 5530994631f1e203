import GatewayTestSupport
import Glibc
import Testing

/// Memory stays bounded when one side stops reading (credit-based backpressure both ways).
@Suite("Backpressure", .serialized)
struct BackpressureTests {
    static let bound = 2 * 1024 * 1024
    static let sixtyFourMiB = 64 * 1024 * 1024

    @Test func responseToAClientThatReadsNothingStaysBounded() async throws {
        try await withGateway { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.setReceiveBuffer(256 * 1024)  // small enough to stall, large enough to drain fast
            try client.sendRequest(path: "/fn/bytes/\(Self.sixtyFourMiB)")
            // Let the stream run into the stalled client, then watch it stay stalled.
            try await Task.sleep(for: .seconds(1))
            var peak = 0
            var served: [Int] = []
            for _ in 0..<10 {
                peak = max(peak, gateway.engine.bufferedBytes)
                served.append(backend.bytesServed)
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(peak > 0, "the transfer should be paused with bytes in hand")
            #expect(peak <= Self.bound, "gateway buffered \(peak) bytes")
            #expect(served.last! < Self.sixtyFourMiB / 2, "the backend was not held back: \(served.last!)")
            #expect(served.last! == served.first!, "the backend kept sending while the client read nothing")
            // Reading resumes the transfer, and every byte arrives intact.
            let response = try client.readResponse(timeout: .seconds(120))
            #expect(response.bodyComplete)
            #expect(TestBackend.checksum(response.body) == TestBackend.checksum(TestBackend.patternBytes(count: Self.sixtyFourMiB)))
        }
    }

    @Test func uploadToABackendThatReadsNothingStaysBounded() async throws {
        try await withGateway(limits: #""maxRequestBodyBytes": 134217728"#) { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.setSendBuffer(16 * 1024)
            try client.sendRequest(
                method: "POST", path: "/fn/no-read", headers: [("Content-Length", "\(Self.sixtyFourMiB)")]
            )
            let chunk = [UInt8](repeating: 0x61, count: 64 * 1024)
            var sent = 0
            // Push until the gateway stops taking bytes (send times out), bounded in time.
            let deadline = ContinuousClock.now + .seconds(20)
            while sent < Self.sixtyFourMiB, ContinuousClock.now < deadline {
                do {
                    try client.send(chunk, timeout: .milliseconds(500))
                    sent += chunk.count
                } catch {
                    break
                }
            }
            let peak = gateway.engine.bufferedBytes
            #expect(sent < Self.sixtyFourMiB / 2, "the gateway kept reading the upload: \(sent) bytes")
            #expect(peak <= Self.bound, "gateway buffered \(peak) bytes")
            #expect(backend.uploadBytesRead < Self.sixtyFourMiB / 2)
        }
    }
}
