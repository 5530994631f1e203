#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes whole lines to a file descriptor from its own thread, batching what piles up.
///
/// Callers (event loops serving traffic) only append bytes to a buffer under a lock; a dedicated
/// thread sleeps on a condition variable until there is something to write, then writes everything
/// waiting with as few `write(2)` calls as the descriptor allows. A stalled descriptor therefore costs
/// callers dropped lines, never latency. Under load the thread wakes once per `linger`, not once
/// per line (`WriterState`).
public final class LogLineWriter: Sendable {
    /// How long the writer collects lines after a write before writing them: at most this much
    /// delay on a line, at most one wake-up of the writer thread per this much time.
    static let linger: Duration = .milliseconds(10)

    private let state: ConditionLock<WriterState>
    private let thread: pthread_t

    /// - Parameters:
    ///   - fileDescriptor: Where lines go; not closed by the writer, so stdout stays usable.
    ///   - maxBufferedBytes: How many bytes may wait for the descriptor before new lines are dropped.
    public init(fileDescriptor: Int32, maxBufferedBytes: Int = 4 << 20) {
        state = ConditionLock(WriterState(maxBufferedBytes: maxBufferedBytes))
        thread = WriterThread(fileDescriptor: fileDescriptor, state: state).start()
    }

    /// An unused writer stops its thread without waiting: the thread drains what it holds, then exits.
    deinit {
        guard state.withLock({ $0.stop() }) else { return }
        state.broadcast()
        pthread_detach(thread)
    }

    /// Queues `line` (without its trailing newline). Never blocks on I/O: when more than
    /// `maxBufferedBytes` would be waiting, or after `shutdown()`, the line is dropped and counted.
    public func write(_ line: String) {
        if state.withLock({ $0.admit(line) }) == .queued(wakeWriter: true) {
            state.broadcast()
        }
    }

    /// Queues the line `appendLine` appends (without its trailing newline) to the waiting bytes,
    /// under the writer's lock: a line built in place costs no String and no copy. Same rules as
    /// `write(_:)`; keep `appendLine` short, every other caller waits for it.
    func write(appending appendLine: (inout [UInt8]) -> Void) {
        if state.withLock({ $0.admit(appendLine) }) == .queued(wakeWriter: true) {
            state.broadcast()
        }
    }

    /// Lines refused because the buffer was full or the writer shut down, plus lines the descriptor
    /// failed to take (e.g. EPIPE once the reader is gone).
    public var droppedLines: Int {
        state.withLock { $0.droppedLines }
    }

    /// Blocks until every line accepted so far has been written (or given up on after an error).
    public func flush() {
        _ = flush(deadline: nil)
    }

    /// Like `flush()`, but gives up after `timeout` so a descriptor nobody drains cannot hang the caller.
    /// Returns whether everything was written in time.
    public func flush(timeout: Duration) -> Bool {
        flush(deadline: monotonicDeadline(after: timeout))
    }

    private func flush(deadline: timespec?) -> Bool {
        let (target, wakeWriter) = state.withLock { ($0.acceptedLines, $0.requestWrite()) }
        if wakeWriter { state.broadcast() }
        return state.withLock(waitingUntil: { $0.settledLines >= target }, deadline: deadline) { _, isReady in
            isReady
        }
    }

    /// Flushes, then stops and joins the thread; later writes are dropped. Safe to call more than once.
    public func shutdown() {
        flush()
        let joinsThread = state.withLock { $0.stop() }
        state.broadcast()
        if joinsThread {
            pthread_join(thread, nil)
        } else {
            state.withLock(waitingUntil: \.hasExited) { _, _ in }
        }
    }
}
