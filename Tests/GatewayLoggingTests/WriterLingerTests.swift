import Foundation
import Testing
@testable import GatewayLogging

/// The writer wakes once per linger under load, not once per line (`WriterState`): a wake-up is
/// two context switches, which cost as much as a whole preflight on a busy core.
@Suite("LogLineWriter linger", .timeLimit(.minutes(1)))
struct WriterLingerTests {
    @Test("transitions: idle writer woken by the first line, a lingering one left alone until the threshold")
    func transitions() {
        var state = WriterState(maxBufferedBytes: 100, wakeThreshold: 20)
        var buffer: [UInt8] = []
        #expect(state.writerIsIdle && !state.writerMustRun)
        #expect(state.admit("first") == .queued(wakeWriter: true), "idle: wake at once")
        #expect(state.admit("second") == .queued(wakeWriter: false), "already woken")
        #expect(state.writerMustRun)
        #expect(state.nextStep(swappingWith: &buffer) == .write(lastLine: 2))
        #expect(!state.writerIsIdle && !state.writerMustRun, "lingering after a write")
        buffer.removeAll()

        #expect(state.admit("0123") == .queued(wakeWriter: false), "lingering: no wake-up per line")
        #expect(state.admit("0123") == .queued(wakeWriter: false))
        #expect(!state.writerMustRun)
        #expect(state.admit("0123456789") == .queued(wakeWriter: true), "past the wake threshold")
        #expect(state.admit("x") == .queued(wakeWriter: false), "woken once per batch")
        #expect(state.writerMustRun)
        #expect(state.nextStep(swappingWith: &buffer) == .write(lastLine: 6))
        buffer.removeAll()

        #expect(state.nextStep(swappingWith: &buffer) == .sleep, "the linger passed with nothing to write")
        #expect(state.writerIsIdle)
        #expect(state.admit("after a quiet spell") == .queued(wakeWriter: true))
        #expect(state.nextStep(swappingWith: &buffer) == .write(lastLine: 7))
        buffer.removeAll()

        #expect(state.requestWrite() == false, "nothing waits: flush needs no writer")
        #expect(state.admit("y") == .queued(wakeWriter: false))
        #expect(state.requestWrite() == true, "flush cuts the linger short")
        #expect(state.requestWrite() == false)
        #expect(state.writerMustRun)
        #expect(state.nextStep(swappingWith: &buffer) == .write(lastLine: 8))

        let firstToStop = state.stop()
        #expect(firstToStop)
        #expect(state.writerMustRun)
        #expect(state.admit("late") == .dropped)
        #expect(state.nextStep(swappingWith: &buffer) == .exit)
    }

    @Test("a steady stream of lines wakes the writer about once per linger, not once per line")
    func fewWakeUps() throws {
        try withPipeWriter { pipe, writer in
            writer.write("warm up")
            #expect(writer.flush(timeout: .seconds(2)))
            let tid = try #require(threadIDs(named: "logwriter-\(pipe.writeEnd)").first)
            let switches = { Int(threadStatus(tid, "voluntary_ctxt_switches") ?? "") ?? 0 }
            let before = switches()
            // 2,000 lines over at least 200 ms: one every 0.1 ms, far more often than the linger.
            let clock = ContinuousClock()
            let started = clock.now
            for index in 0..<2_000 {
                writer.write("line \(index)")
                while clock.now < started + .microseconds(100 * (index + 1)) {}
                if index % 500 == 0 { _ = pipe.readAvailable() }
            }
            let elapsed = clock.now - started
            let woken = switches() - before
            let output = try #require(collect(pipe, writer))
            #expect(output.count > 0)
            // One wake per 10 ms linger is about 20 here (plus pipe waits); one per line would be 2,000.
            let lingers = Int(elapsed / LogLineWriter.linger) + 1
            #expect(woken <= 3 * lingers + 10, "\(woken) wake-ups for 2,000 lines in \(elapsed)")
            #expect(writer.droppedLines == 0)
        }
    }
}
