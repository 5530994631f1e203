import CurlEngine
import NIOCore
import NIOPosix
import Testing

/// F1, SPEC §11: a backend that answers while the client's upload is paused (some body sent,
/// the rest not yet given) ends the exchange as soon as its response is complete.
@Suite("Early backend responses end the transfer", .serialized)
struct EarlyResponseTests {
    enum Answer: String, CaseIterable {
        case forbidden = "HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\nnope!\n"
        case okWithLength = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        /// No length to count: curl must see on its own that sending stopped (KEEP_SEND gone).
        case forbiddenChunked = "HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nnope!\n\r\n0\r\n\r\n"
        /// No length, and curl keeps sending after a 2xx: the engine's chunk decoder sees the end.
        case okChunkedWithTrailer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: 1\r\n\r\n"

        var body: String { self == .okWithLength || self == .okChunkedWithTrailer ? "ok" : "nope!\n" }
    }

    @Test(arguments: Answer.allCases, [UpstreamRequest.BodyFraming.known(100), .chunked])
    func answerDuringPausedUploadEndsTheTransfer(answer: Answer, framing: UpstreamRequest.BodyFraming) async throws {
        // First connection: take the head and some body, answer, then read until curl gives up.
        // Second connection: a plain answer, to see whether the first was reused.
        let backend = try LoopbackBackend { connection, index in
            guard connection.readHead() != nil else { return }
            if index == 0 {
                _ = connection.readSome()
                connection.write(answer.rawValue)
                connection.waitForClose()
            } else {
                connection.write("HTTP/1.1 204 No Content\r\n\r\n")
                connection.waitForClose()
            }
        }
        let engine = CurlEngine()
        defer {
            engine.shutdown()
            backend.shutdown()
        }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let probe = TransferProbe()
        let transfer = try await onLoop(loop) {
            let transfer = engine.startTransfer(
                testRequest(backend.baseURL + "/upload", method: "POST", body: framing), on: loop, delegate: probe)
            _ = transfer.appendRequestBody(ByteBuffer(string: "hello"))  // 5 of the body's bytes, then nothing
            return NIOLoopBound(transfer, eventLoop: loop)
        }

        let outcome = await probe.waitForOutcome(within: .seconds(4))
        #expect(outcome == .end, "the response was complete but the transfer reported \(String(describing: outcome))")
        #expect(probe.body == Array(answer.body.utf8))
        let settled = await waitUntil(within: .seconds(2)) { engine.transfersInFlight == 0 && engine.bufferedBytes == 0 }
        #expect(settled, "in flight \(engine.transfersInFlight), buffered \(engine.bufferedBytes)")

        // The request body was not completely sent: that connection must not carry another request.
        let second = TransferProbe()
        _ = try await onLoop(loop) {
            _ = engine.startTransfer(testRequest(backend.baseURL + "/next"), on: loop, delegate: second)
        }
        #expect(await second.waitForOutcome(within: .seconds(4)) == .end)
        #expect(backend.connectionCount == 2, "the half-sent connection was reused")
        try await onLoop(loop) { transfer.value.cancel() }
    }
}
