import Dispatch
import Foundation
import Testing
@testable import GatewayLogging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@Suite("LogLineWriter", .timeLimit(.minutes(1)))
struct LogLineWriterTests {
    @Test("lines arrive complete, in order, one per write")
    func ordered() throws {
        // Lengths vary so batches split lines at arbitrary points if the writer got framing wrong.
        let sent = (0..<2_000).map { "line \($0) " + String(repeating: "é", count: $0 % 37) }
        try withPipeWriter { pipe, writer in
            for line in sent { writer.write(line) }
            let output = try #require(collect(pipe, writer))
            let received = try #require(lines(output))
            #expect(received.count == sent.count)
            let firstMismatch = zip(received, sent).enumerated().first { $1.0 != $1.1 }?.offset
            #expect(firstMismatch == nil, "line \(firstMismatch ?? 0) differs")
            #expect(writer.droppedLines == 0)
        }
    }

    @Test("concurrent writers never interleave inside a line and keep their own order")
    func concurrent() throws {
        let writers = 4
        let perWriter = 500
        try withPipeWriter { pipe, writer in
            DispatchQueue.concurrentPerform(iterations: writers) { id in
                for sequence in 0..<perWriter { writer.write("w\(id) \(sequence) \(String(repeating: "x", count: sequence % 50))") }
            }
            let output = try #require(collect(pipe, writer))
            let received = try #require(lines(output))
            #expect(received.count == writers * perWriter)
            var next = [Int](repeating: 0, count: writers)
            for line in received {
                let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 3, let id = Int(parts[0].dropFirst()), next.indices.contains(id),
                      parts[2] == String(repeating: "x", count: next[id] % 50) else {
                    Issue.record("torn line: \(line)")
                    continue
                }
                #expect(parts[1] == "\(next[id])", "writer \(id) out of order: \(line)")
                next[id] += 1
            }
        }
    }

    @Test("flush() returns only once every accepted line is in the descriptor")
    func flushDelivers() throws {
        try withPipeWriter { pipe, writer in
            // Small enough for the pipe's buffer, so flush() needs no reader to finish.
            for index in 0..<200 { writer.write("event \(index)") }
            writer.flush()
            #expect(lines(pipe.readAvailable()) == (0..<200).map { "event \($0)" })
        }
    }

    @Test("lines beyond maxBufferedBytes are dropped and counted while the descriptor is stalled")
    func overflow() throws {
        // Each line is 40 bytes with its newline; 100 bytes hold two of them.
        let sent = (0..<10).map { "line-\($0)".padding(toLength: 39, withPad: ".", startingAt: 0) }
        try withPipeWriter(maxBufferedBytes: 100) { pipe, writer in
            let filler = pipe.fill()
            for line in sent { writer.write(line) }
            // The writer thread holds at most one batch (two lines) blocked in write(2), and the
            // buffer at most two more: at least six of ten are dropped, however the thread was scheduled.
            let dropped = writer.droppedLines
            #expect((6...8).contains(dropped))

            let output = try #require(collect(pipe, writer))
            #expect(output.prefix(filler).allSatisfy { $0 == UInt8(ascii: "x") })
            let received = try #require(lines(Array(output.dropFirst(filler))))
            #expect(received.count == sent.count - dropped)
            #expect(received.first == sent[0])
            let indices = received.compactMap { sent.firstIndex(of: $0) }
            #expect(indices.count == received.count && indices == indices.sorted())
            #expect(Set(indices).count == indices.count)
        }
    }

    @Test("a line exactly filling maxBufferedBytes is accepted, one byte more is dropped")
    func admissionBoundary() {
        var state = WriterState(maxBufferedBytes: 10)
        #expect(state.admit("123456789") == .queued(wakeWriter: true))  // 9 bytes + newline
        #expect(state.admit("") == .dropped)
        #expect(state.droppedLines == 1)

        var emptyFirst = WriterState(maxBufferedBytes: 10)
        #expect(emptyFirst.admit("1234") == .queued(wakeWriter: true))
        #expect(emptyFirst.admit("1234") == .queued(wakeWriter: false))  // writer already woken
        #expect(emptyFirst.admit("1234") == .dropped)
        #expect(emptyFirst.acceptedLines == 2)
    }

    @Test("after EPIPE the batch is dropped and counted, and the writer keeps going")
    func brokenPipe() throws {
        try withPipeWriter { pipe, writer in
            pipe.closeReadEnd()
            writer.write("nobody reads this")
            writer.write("nor this")
            #expect(writer.flush(timeout: .seconds(2)))
            #expect(writer.droppedLines == 2)

            // Point the same descriptor number at a fresh pipe: the writer must still be alive.
            let replacement = try TestPipe()
            #expect(dup2(replacement.writeEnd, pipe.writeEnd) == pipe.writeEnd)
            writer.write("still writing")
            #expect(writer.flush(timeout: .seconds(2)))
            #expect(lines(replacement.readAvailable()) == ["still writing"])
            #expect(writer.droppedLines == 2)
        }
    }

    @Test("shutdown() delivers what was accepted, stops the thread, and drops later writes")
    func shutdown() throws {
        try withPipeWriter { pipe, writer in
            let threadName = "logwriter-\(pipe.writeEnd)"
            writer.write("before")
            #expect(writer.flush(timeout: .seconds(2)))
            #expect(threadIDs(named: threadName).count == 1)

            writer.write("queued just before shutdown")
            writer.shutdown()
            #expect(lines(pipe.readAvailable()) == ["before", "queued just before shutdown"])
            #expect(threadIDs(named: threadName).isEmpty)

            writer.write("after")
            #expect(writer.droppedLines == 1)
            #expect(pipe.readAvailable().isEmpty)
            writer.shutdown()  // a second call returns at once
        }
    }

    @Test("an idle writer thread sleeps instead of polling")
    func idleWriterSleeps() throws {
        try withPipeWriter { pipe, writer in
            writer.write("wake up once")
            #expect(writer.flush(timeout: .seconds(2)))
            let tid = try #require(threadIDs(named: "logwriter-\(pipe.writeEnd)").first)
            // flush() returns as soon as the batch is settled; let the thread linger, find nothing,
            // and go back to its wait without a deadline.
            Thread.sleep(forTimeInterval: 5 * Double(LogLineWriter.linger.components.attoseconds) / 1e18)
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(1)
            while threadStatus(tid, "State")?.hasPrefix("S") != true && clock.now < deadline {
                Thread.sleep(forTimeInterval: 0.001)
            }
            let switchesBefore = try #require(threadStatus(tid, "voluntary_ctxt_switches"))
            Thread.sleep(forTimeInterval: 0.1)
            #expect(threadStatus(tid, "State")?.hasPrefix("S") == true)
            #expect(threadStatus(tid, "voluntary_ctxt_switches") == switchesBefore)
        }
    }

    @Test("writeFully gets every byte through partial writes and EAGAIN on a non-blocking pipe")
    func writeFullyPartial() throws {
        let pipe = try TestPipe()
        let fd = pipe.writeEnd
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        // Four times the pipe's default capacity, with a recognisable pattern.
        let payload = (0..<262_144).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let written = Outcome<Int>()
        let done = DispatchSemaphore(value: 0)
        // A thread of its own: writeFully blocks in poll(2) until this test drains the pipe.
        Thread.detachNewThread {
            written.set(payload.withUnsafeBytes { writeFully($0, to: fd) })
            done.signal()
        }
        var received: [UInt8] = []
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(2)
        while received.count < payload.count && clock.now < deadline {
            _ = pipe.waitReadable(milliseconds: 10)
            received += pipe.readAvailable()
        }
        #expect(done.wait(timeout: .now() + 2) == .success)
        #expect(written.value == payload.count)
        #expect(received.count == payload.count)
        #expect(received.elementsEqual(payload))  // a Bool: diffing 256 KiB on failure would take minutes
    }

    @Test("writeFully reports how far it got when the descriptor fails")
    func writeFullyFailure() {
        let written = [UInt8]("lost".utf8).withUnsafeBytes { writeFully($0, to: -1) }
        #expect(written == 0)
    }
}
