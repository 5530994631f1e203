import CurlEngine
import GatewayTestSupport
import NIOCore
import NIOPosix
import Testing

/// F4/F5 through curl: what the backend's head says reaches the delegate as RFC 9112 allows,
/// and a head that could smuggle or slip past a filter fails the transfer.
@Suite("Hostile response heads through curl")
struct HostileResponseHeadTests {
    private func exchange(_ response: [UInt8]) async throws -> TransferProbe {
        let backend = try await ScriptedBackend.start(response: response, then: .keepOpen)
        let engine = CurlEngine()
        defer { engine.shutdown() }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let probe = TransferProbe()
        _ = try await onLoop(loop) {
            _ = engine.startTransfer(testRequest(backend.baseURL + "/"), on: loop, delegate: probe)
        }
        _ = await probe.waitForOutcome(within: .seconds(4))
        try await backend.shutdown()
        return probe
    }

    @Test func chunkedWithContentLengthLosesContentLengthAndObsTextSurvives() async throws {
        let response = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\nX-Bin: caf".utf8)
            + [0xE9, 0xFF] + Array("\r\n\r\n5\r\nhello\r\n0\r\n\r\n".utf8)
        let probe = try await exchange(response)
        #expect(probe.outcome == .end)
        let headers = probe.head?.headers ?? []
        #expect(!headers.contains { $0.name.lowercased() == "content-length" }, "\(headers)")
        let value = headers.first { $0.name == "X-Bin" }?.value ?? ""
        #expect(value.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) } == Array("caf".utf8) + [0xE9, 0xFF])
        #expect(probe.body == Array("hello".utf8))
    }

    @Test(arguments: [
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nSet-Cookie : a=1\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    ])
    func invalidHeadFailsTheTransfer(response: String) async throws {
        let probe = try await exchange(Array(response.utf8))
        guard case .failed(.invalidResponse) = probe.outcome else {
            Issue.record("ended with \(String(describing: probe.outcome)), head \(String(describing: probe.head))")
            return
        }
        #expect(probe.head == nil)
    }
}
