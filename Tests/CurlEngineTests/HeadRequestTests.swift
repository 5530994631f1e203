import CurlEngine
import NIOCore
import NIOPosix
import Testing

/// F2, SPEC §11: HEAD goes as HEAD with no body, whatever framing the client's request had,
/// and its response never waits for body bytes.
@Suite("HEAD never waits for a body")
struct HeadRequestTests {
    @Test(arguments: [UpstreamRequest.BodyFraming.none, .known(0), .known(10), .chunked])
    func headWithBodyFramingCompletesWithoutBody(framing: UpstreamRequest.BodyFraming) async throws {
        let heads = RecordedHeads()
        let backend = try LoopbackBackend { connection, _ in
            while let head = connection.readHead() {
                heads.append(head)
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")  // a HEAD answer: no body follows
            }
        }
        let engine = CurlEngine()
        defer {
            engine.shutdown()
            backend.shutdown()
        }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let probe = TransferProbe()
        _ = try await onLoop(loop) {
            let transfer = engine.startTransfer(testRequest(backend.baseURL + "/", method: "HEAD", body: framing), on: loop, delegate: probe)
            _ = transfer.appendRequestBody(ByteBuffer(string: "0123456789"))  // the server drops it; the engine must too
            transfer.finishRequestBody()
        }
        let outcome = await probe.waitForOutcome(within: .seconds(4))
        #expect(outcome == .end, "HEAD ended with \(String(describing: outcome))")
        #expect(probe.head?.status == 200)
        #expect(probe.body.isEmpty)
        let head = heads.all.first ?? ""
        #expect(head.hasPrefix("HEAD / HTTP/1.1\r\n"), "sent: \(head)")
        #expect(!head.lowercased().contains("content-length") && !head.lowercased().contains("transfer-encoding"), "sent: \(head)")
        #expect(await waitUntil(within: .seconds(2)) { engine.bufferedBytes == 0 && engine.transfersInFlight == 0 })
    }
}
