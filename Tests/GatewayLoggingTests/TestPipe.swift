import Foundation
import Synchronization
@testable import GatewayLogging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

struct PipeError: Error {
    let call: String
    let code: Int32
}

/// A pipe(2) standing in for stdout: the writer gets the write end, tests read the (non-blocking) read end.
final class TestPipe {
    let readEnd: Int32
    let writeEnd: Int32
    private var readEndOpen = true
    private var writeEndOpen = true

    init() throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw PipeError(call: "pipe", code: errno) }
        readEnd = fds[0]
        writeEnd = fds[1]
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        closeReadEnd()
        closeWriteEnd()
    }

    /// Whatever is in the pipe right now, without waiting.
    func readAvailable() -> [UInt8] {
        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count > 0 {
                collected += chunk[..<count]
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return collected
            }
        }
    }

    /// Waits up to `milliseconds` for the read end to have data; false on timeout.
    func waitReadable(milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, milliseconds) == 1
    }

    /// Fills the pipe to the last byte so the next blocking write(2) on it sleeps. Returns the byte count.
    func fill() -> Int {
        let flags = fcntl(writeEnd, F_GETFL)
        _ = fcntl(writeEnd, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(writeEnd, F_SETFL, flags) }
        var total = 0
        // Large chunks fill the pipe's pages; single bytes then top up the last, partly used one.
        for chunkSize in [65_536, 1] {
            let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: chunkSize)
            while true {
                let written = chunk.withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
                guard written > 0 else { break }
                total += written
            }
        }
        return total
    }

    func closeReadEnd() {
        if readEndOpen { close(readEnd) }
        readEndOpen = false
    }

    func closeWriteEnd() {
        if writeEndOpen { close(writeEnd) }
        writeEndOpen = false
    }
}

/// Runs `body` with a writer on a fresh pipe, then tears down without risking a hang: closing the read
/// end first turns any write the writer still has pending into EPIPE, so `shutdown()` returns.
func withPipeWriter(
    maxBufferedBytes: Int = 4 << 20,
    _ body: (TestPipe, LogLineWriter) throws -> Void
) throws {
    let pipe = try TestPipe()
    let writer = LogLineWriter(fileDescriptor: pipe.writeEnd, maxBufferedBytes: maxBufferedBytes)
    defer {
        pipe.closeReadEnd()
        writer.shutdown()
        pipe.closeWriteEnd()
    }
    try body(pipe, writer)
}

/// Everything `writer` has accepted, read from `pipe` while the writer drains into it; nil when that
/// takes longer than `limit`.
func collect(_ pipe: TestPipe, _ writer: LogLineWriter, limit: Duration = .seconds(2)) -> [UInt8]? {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    var received: [UInt8] = []
    repeat {
        received += pipe.readAvailable()
        if writer.flush(timeout: .milliseconds(5)) {
            return received + pipe.readAvailable()
        }
    } while clock.now < deadline
    return nil
}

/// Splits pipe output into lines, requiring it to end with a newline (no partial last line).
func lines(_ bytes: [UInt8]) -> [String]? {
    guard bytes.last == UInt8(ascii: "\n") else { return bytes.isEmpty ? [] : nil }
    return bytes.dropLast().split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        .map { String(decoding: $0, as: UTF8.self) }
}

/// Kernel thread ids of this process's threads named `name` (writer threads name themselves).
func threadIDs(named name: String) -> [String] {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    return tasks.filter { tid in
        let comm = try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8)
        return comm?.trimmingCharacters(in: .newlines) == name
    }
}

/// A line of /proc/self/task/<tid>/status, e.g. `State` or `voluntary_ctxt_switches`.
func threadStatus(_ tid: String, _ field: String) -> String? {
    guard let status = try? String(contentsOfFile: "/proc/self/task/\(tid)/status", encoding: .utf8) else { return nil }
    return status.split(separator: "\n")
        .first { $0.hasPrefix("\(field):") }
        .map { $0.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces) }
}

/// A result handed from a helper thread back to the test.
final class Outcome<Value: Sendable>: Sendable {
    private let storage = Mutex<Value?>(nil)

    func set(_ value: Value) {
        storage.withLock { $0 = value }
    }

    var value: Value? {
        storage.withLock { $0 }
    }
}
