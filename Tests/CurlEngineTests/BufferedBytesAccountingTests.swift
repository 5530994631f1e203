import CurlEngine
import NIOCore
import NIOPosix
import Testing

/// F10: every byte a transfer counts as buffered is released when it ends or is cancelled,
/// however the delegate behaves.
@Suite("Buffered bytes return to zero")
struct BufferedBytesAccountingTests {
    @Test func cancellingAQueuedTransferReleasesItsRequestBody() async throws {
        let backend = try LoopbackBackend.silent()
        let engine = CurlEngine()
        defer {
            engine.shutdown()
            backend.shutdown()
        }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let transfers = try await onLoop(loop) {
            let first = engine.startTransfer(
                testRequest(backend.baseURL + "/hold", maxConnections: 1), on: loop, delegate: TransferProbe())
            let queued = engine.startTransfer(
                testRequest(backend.baseURL + "/queued", method: "POST", body: .known(4096), maxConnections: 1),
                on: loop, delegate: TransferProbe())
            _ = queued.appendRequestBody(ByteBuffer(repeating: 1, count: 4096))
            return NIOLoopBound([first, queued], eventLoop: loop)
        }
        #expect(await waitUntil(within: .seconds(2)) { engine.transfersInFlight == 2 })
        try await onLoop(loop) { transfers.value[1].cancel() }
        try await onLoop(loop) { transfers.value[0].cancel() }
        let settled = await waitUntil(within: .seconds(3)) { engine.bufferedBytes == 0 && engine.transfersInFlight == 0 }
        #expect(settled, "buffered \(engine.bufferedBytes), in flight \(engine.transfersInFlight)")
    }

    @Test func cancellingFromTheHeadReleasesBodyBytesOfTheSameBatch() async throws {
        let body = String(repeating: "x", count: 60_000)
        let backend = try LoopbackBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
        let engine = CurlEngine()
        defer {
            engine.shutdown()
            backend.shutdown()
        }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        // Like the server after a cookie-rejected head: cancel, and act on nothing else.
        let probe = TransferProbe { transfer, events in
            if events.contains(where: { if case .head = $0 { true } else { false } }) { transfer.cancel() }
            return false
        }
        _ = try await onLoop(loop) {
            _ = engine.startTransfer(testRequest(backend.baseURL + "/cookie"), on: loop, delegate: probe)
        }
        #expect(await waitUntil(within: .seconds(3)) { probe.head != nil })
        let settled = await waitUntil(within: .seconds(3)) { engine.bufferedBytes == 0 && engine.transfersInFlight == 0 }
        let state = "buffered \(engine.bufferedBytes), in flight \(engine.transfersInFlight), body seen \(probe.body.count) bytes"
        #expect(settled, "\(state)")
    }
}
