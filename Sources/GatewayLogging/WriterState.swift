/// The bounded hand-off between callers of `LogLineWriter.write` and its writer thread.
///
/// Kept free of locking and I/O so the buffering rules read (and change) in one place;
/// `LogLineWriter` holds it inside a `ConditionLock`.
///
/// Waking a thread costs two context switches, as much CPU as a whole preflight on a busy core,
/// so a writer that has just written *lingers*: it sleeps up to `LogLineWriter.linger` and
/// collects every line written meanwhile into one batch, and writers do not wake it. Only a
/// writer that found nothing to write at the end of its linger goes *idle*; the next line wakes
/// it at once, so the first line after a quiet spell is not delayed. Under load the writer thus
/// wakes at most once per linger, whatever the request rate.
struct WriterState: Sendable {
    enum Admission: Equatable {
        case dropped
        /// `wakeWriter` is true when the writer sleeps without a deadline (idle), or when the
        /// waiting bytes just passed `wakeThreshold`.
        case queued(wakeWriter: Bool)
    }

    /// What the writer thread does after a wait.
    enum WriterStep: Equatable {
        /// Write the swapped-in batch, which completes line `lastLine`, then linger.
        case write(lastLine: UInt64)
        /// Nothing came during the linger: sleep until a line wakes it.
        case sleep
        case exit
    }

    let maxBufferedBytes: Int
    /// Waiting bytes past which a lingering writer is woken early, so a burst is not held in memory.
    let wakeThreshold: Int
    private var pending: [UInt8] = []
    private(set) var acceptedLines: UInt64 = 0
    /// Lines written or given up on; `flush` waits for this to reach `acceptedLines`.
    private(set) var settledLines: UInt64 = 0
    private(set) var droppedLines = 0
    private(set) var isStopping = false
    private(set) var hasExited = false
    /// The writer sleeps without a deadline; the next line must wake it.
    private(set) var writerIsIdle = true
    /// `flush()` or the wake threshold asked the writer not to wait out its linger.
    private var writeRequested = false

    init(maxBufferedBytes: Int, wakeThreshold: Int = 64 << 10) {
        self.maxBufferedBytes = maxBufferedBytes
        self.wakeThreshold = wakeThreshold
    }

    /// The writer must stop waiting: something to stop for, or to write now.
    var writerMustRun: Bool {
        isStopping || writeRequested || (writerIsIdle && !pending.isEmpty)
    }

    /// Queues `line` plus a newline unless the writer is stopping or the line would push the waiting
    /// bytes past `maxBufferedBytes`; dropping keeps memory bounded when the output stalls.
    mutating func admit(_ line: String) -> Admission {
        admit { $0.append(contentsOf: line.utf8) }
    }

    /// Queues the line `appendLine` writes onto the waiting bytes (it adds no newline), with
    /// `admit(_:)`'s rules; a line that went past `maxBufferedBytes` is cut back out.
    mutating func admit(_ appendLine: (inout [UInt8]) -> Void) -> Admission {
        guard !isStopping else {
            droppedLines += 1
            return .dropped
        }
        let start = pending.count
        appendLine(&pending)
        pending.append(UInt8(ascii: "\n"))
        guard pending.count <= maxBufferedBytes else {
            pending.removeSubrange(start...)
            droppedLines += 1
            return .dropped
        }
        acceptedLines += 1
        if writerIsIdle && start == 0 {
            return .queued(wakeWriter: true)
        }
        if !writeRequested && pending.count >= wakeThreshold {
            writeRequested = true
            return .queued(wakeWriter: true)
        }
        return .queued(wakeWriter: false)
    }

    /// `flush()` wants what waits written now; returns whether the writer must be woken for it.
    mutating func requestWrite() -> Bool {
        guard !pending.isEmpty, !writeRequested else { return false }
        writeRequested = true
        return true
    }

    /// After a wait (woken or the linger over): swaps everything waiting into the writer's empty
    /// `buffer`, whose capacity the next lines reuse, or tells it to go idle or to exit.
    mutating func nextStep(swappingWith buffer: inout [UInt8]) -> WriterStep {
        writeRequested = false
        guard !pending.isEmpty else {
            if isStopping { return .exit }
            writerIsIdle = true
            return .sleep
        }
        writerIsIdle = false
        swap(&buffer, &pending)
        return .write(lastLine: acceptedLines)
    }

    /// Records that the batch completing `lastLine` is done; `lostLines` of it could not be written.
    mutating func settle(upTo lastLine: UInt64, lostLines: Int) {
        settledLines = lastLine
        droppedLines += lostLines
    }

    /// Refuses further lines; returns true for the first caller, who owns joining the thread.
    mutating func stop() -> Bool {
        defer { isStopping = true }
        return !isStopping
    }

    mutating func markExited() {
        hasExited = true
    }
}
