import CurlEngine
import Dispatch
import Foundation
import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
import Synchronization
import Testing

/// F9, SPEC §11: a transfer started while the engine shuts down gets a clear failure, never
/// silence; stopping twice, even at once, is harmless.
@Suite("Engine shutdown")
struct ShutdownTests {
    @Test func everyTransferStartedAroundShutdownGetsAnOutcome() async throws {
        let backend = try LoopbackBackend.silent()
        let engine = CurlEngine()
        // A loop of its own: this test keeps one busy, and others must not wait behind it.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let probes = NIOLockedValueBox<[TransferProbe]>([])
        let shutdownReturned = Atomic<Bool>(false)
        let finishedStarting = Atomic<Bool>(false)
        let started = Atomic<Int>(0)
        // Starts race the shutdown from another thread: before it, during it, and after it,
        // paced so that a few hundred cover the whole shutdown.
        let starter = Thread {
            var startsAfterShutdown = 0
            var index = 0
            while startsAfterShutdown < 50, index < 5000 {
                if shutdownReturned.load(ordering: .acquiring) { startsAfterShutdown += 1 }
                let probe = TransferProbe()
                probes.withLockedValue { $0.append(probe) }
                let request = testRequest(backend.baseURL + "/\(index)")
                loop.execute { _ = engine.startTransfer(request, on: loop, delegate: probe) }
                index += 1
                started.store(index, ordering: .relaxed)
                usleep(100)
            }
            finishedStarting.store(true, ordering: .releasing)
        }
        starter.start()
        #expect(await waitUntil(within: .seconds(5)) { started.load(ordering: .relaxed) >= 100 })
        engine.shutdown()
        shutdownReturned.store(true, ordering: .releasing)
        #expect(await waitUntil(within: .seconds(5)) { finishedStarting.load(ordering: .acquiring) })
        let all = probes.withLockedValue { $0 }
        let answered = await waitUntil(within: .seconds(5)) { all.allSatisfy { $0.outcome != nil } }
        let silent = all.filter { $0.outcome == nil }.count
        #expect(answered, "\(silent) of \(all.count) transfers never heard back")
        for probe in all {
            guard case .failed(.unavailable(let why)) = probe.outcome else { continue }
            #expect(why == "the gateway is shutting down", "\(why)")
        }
        #expect(engine.transfersInFlight == 0)
        backend.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func shuttingDownTwiceSequentiallyAndConcurrentlyReturns() async throws {
        for concurrent in [false, true] {
            let engine = CurlEngine(shards: 2)
            let returned = Atomic<Int>(0)
            let calls = concurrent ? 4 : 2
            if concurrent {
                for _ in 0..<calls {
                    Thread {
                        engine.shutdown()
                        returned.add(1, ordering: .relaxed)
                    }.start()
                }
            } else {
                Thread {
                    engine.shutdown()
                    returned.add(1, ordering: .relaxed)
                    engine.shutdown()
                    returned.add(1, ordering: .relaxed)
                }.start()
            }
            let done = await waitUntil(within: .seconds(5)) { returned.load(ordering: .relaxed) == calls }
            #expect(done, "\(returned.load(ordering: .relaxed)) of \(calls) shutdown calls returned (concurrent: \(concurrent))")
        }
    }
}
