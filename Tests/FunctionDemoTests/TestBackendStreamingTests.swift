import GatewayTestSupport
import Testing

/// `/bytes/N` streams the pattern under backpressure; `/no-read` stalls uploads.
@Suite("TestBackend streaming", .timeLimit(.minutes(1)))
struct TestBackendStreamingTests {
    @Test(arguments: [false, true])
    func bytesBodyIsThePattern(chunked: Bool) async throws {
        try await TestBackend.withStarted { backend in
            let count = 200_000
            let response = try RawHTTPClient.request(
                port: backend.port, path: "/bytes/\(count)" + (chunked ? "?chunked=1" : ""))
            #expect(response.status == 200)
            #expect(response.framing == (chunked ? .chunked : .contentLength(count)))
            #expect(response.bodyComplete)
            try #require(response.body.count == count)
            #expect(response.body[300] == TestBackend.patternByte(at: 300))
            // Compared by checksum: a failing array comparison would print every byte.
            #expect(TestBackend.checksum(response.body) == TestBackend.checksum(TestBackend.patternBytes(count: count)))
            // Counted when each write completes, which may be just after the client read it.
            try await backend.waitUntil("all bytes to be counted") { $0.bytesServed == count }
        }
    }

    @Test func headOfBytesHasLengthButNoBody() async throws {
        try await TestBackend.withStarted { backend in
            let client = try RawHTTPClient.connect(port: backend.port)
            defer { client.close() }
            try client.sendRequest(method: "HEAD", path: "/bytes/5000")
            let head = try client.readResponse(forHEAD: true)
            #expect(head.header("content-length") == "5000")
            #expect(head.body.isEmpty)
            try client.sendRequest(path: "/bytes/10")
            #expect(try client.readResponse().body == TestBackend.patternBytes(count: 10))
        }
    }

    @Test func aReaderThatDoesNotReadStallsTheBackend() async throws {
        try await TestBackend.withStarted { backend in
            let client = try RawHTTPClient.connect(port: backend.port)
            defer { client.close() }
            // Small enough to bound what the kernel buffers, large enough to read 64 MiB quickly
            // afterwards (a window of a few KiB crawls at delayed-ACK pace).
            try client.setReceiveBuffer(256 * 1024)
            let count = 64 * 1024 * 1024
            try client.sendRequest(path: "/bytes/\(count)")

            try await backend.waitUntil("the backend to start writing") { $0.bytesServed > 0 }
            // Stalled once two samples 300 ms apart agree.
            var served = backend.bytesServed
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(300))
                let now = backend.bytesServed
                if now == served { break }
                served = now
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(backend.bytesServed == served)
            #expect(served < 16 * 1024 * 1024)

            // Reading resumes the stream to its end.
            let response = try client.readResponse(timeout: .seconds(30))
            #expect(response.bodyComplete)
            #expect(response.body.count == count)
            try await backend.waitUntil("all bytes to be counted") { $0.bytesServed == count }
        }
    }

    @Test func noReadStopsReadingTheUpload() async throws {
        try await TestBackend.withStarted { backend in
            let client = try RawHTTPClient.connect(port: backend.port)
            defer { client.close() }
            let size = 256 * 1024 * 1024
            try client.send(
                RawHTTPClient.requestBytes(
                    method: "POST", path: "/no-read", host: "backend", headers: [("Content-Length", "\(size)")]))
            let error = try #require(throws: RawHTTPClientError.self) {
                try client.send([UInt8](repeating: 7, count: size), timeout: .seconds(1))
            }
            guard case .sendTimedOut(let sent, _) = error else {
                Issue.record("expected a send timeout, got \(error)")
                return
            }
            #expect(backend.uploadBytesRead <= sent)
            #expect(backend.uploadBytesRead < 16 * 1024 * 1024)
            let recorded = try #require(backend.requests.first)
            #expect(recorded.uri == "/no-read")
            #expect(!recorded.bodyComplete)
        }
    }
}
