import CurlEngine
import NIOCore
import NIOPosix
import Testing

/// F8, SPEC §11: a transfer that waits longer than `queueTimeoutMs` for one of its pool's
/// `maxConnections` slots fails `.busy` and leaves the queue.
@Suite("Queue timeout")
struct QueueTimeoutTests {
    @Test func waiterBeyondQueueTimeoutFailsBusy() async throws {
        let backend = try LoopbackBackend.silent()  // holds the first request
        let engine = CurlEngine()
        defer {
            engine.shutdown()
            backend.shutdown()
        }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let holder = TransferProbe()
        let waiter = TransferProbe()
        let started = ContinuousClock.now
        let first = try await onLoop(loop) {
            let first = engine.startTransfer(testRequest(backend.baseURL + "/hold", maxConnections: 1), on: loop, delegate: holder)
            _ = engine.startTransfer(
                testRequest(backend.baseURL + "/wait", maxConnections: 1, queueTimeoutMs: 300), on: loop, delegate: waiter)
            return NIOLoopBound(first, eventLoop: loop)
        }
        let outcome = await waiter.waitForOutcome(within: .seconds(3))
        let waited = ContinuousClock.now - started
        guard case .failed(.busy) = outcome else {
            Issue.record("the queued transfer ended with \(String(describing: outcome)) after \(waited)")
            try await onLoop(loop) { first.value.cancel() }
            return
        }
        #expect(waited >= .milliseconds(300) && waited < .seconds(2), "failed after \(waited)")
        #expect(engine.transfersInFlight == 1, "the waiter did not leave the queue")
        #expect(holder.outcome == nil)
        try await onLoop(loop) { first.value.cancel() }
        #expect(await waitUntil(within: .seconds(2)) { engine.transfersInFlight == 0 })
    }

    /// A transfer that waited for a slot and then finished is let go at once, not kept alive
    /// until its queue deadline (the shard's deadline list held every queued transfer for
    /// `queueTimeoutMs`: 230 MiB with 1,000 clients over 256 connections).
    @Test func finishedWaiterIsNotHeldUntilItsQueueDeadline() async throws {
        let backend = try LoopbackBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        let engine = CurlEngine()
        defer {
            engine.shutdown()
            backend.shutdown()
        }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let probes = [TransferProbe(), TransferProbe()]
        let waiter = try await onLoop(loop) { () -> WeakTransfer in
            let request = testRequest(backend.baseURL + "/x", maxConnections: 1, queueTimeoutMs: 60_000)
            _ = engine.startTransfer(request, on: loop, delegate: probes[0])
            return WeakTransfer(engine.startTransfer(request, on: loop, delegate: probes[1]))
        }
        for probe in probes {
            #expect(await probe.waitForOutcome(within: .seconds(3)) == .end)
        }
        #expect(await waitUntil(within: .seconds(3)) { waiter.isGone }, "the queued transfer is still alive")
    }
}

/// Watches a transfer without keeping it alive.
private final class WeakTransfer: @unchecked Sendable {
    private weak var transfer: AnyObject?

    init(_ transfer: any UpstreamTransfer) {
        self.transfer = transfer as AnyObject
    }

    var isGone: Bool { self.transfer == nil }
}
