/// The bounded hand-off between callers of `LogLineWriter.write` and its writer thread.
///
/// Kept free of locking and I/O so the buffering rules read (and change) in one place;
/// `LogLineWriter` holds it inside a `ConditionLock`.
struct WriterState: Sendable {
    enum Admission: Equatable {
        case dropped
        /// `wakeWriter` is true when the buffer was empty, the only time the writer may be asleep.
        case queued(wakeWriter: Bool)
    }

    let maxBufferedBytes: Int
    private var pending: [UInt8] = []
    private(set) var acceptedLines: UInt64 = 0
    /// Lines written or given up on; `flush` waits for this to reach `acceptedLines`.
    private(set) var settledLines: UInt64 = 0
    private(set) var droppedLines = 0
    private(set) var isStopping = false
    private(set) var hasExited = false

    init(maxBufferedBytes: Int) {
        self.maxBufferedBytes = maxBufferedBytes
    }

    /// The writer thread has something to do: bytes to write, or a request to stop.
    var hasWork: Bool { !pending.isEmpty || isStopping }

    /// Queues `line` plus a newline unless the writer is stopping or the line would push the waiting
    /// bytes past `maxBufferedBytes`; dropping keeps memory bounded when the output stalls.
    mutating func admit(_ line: String) -> Admission {
        guard !isStopping, pending.count + line.utf8.count + 1 <= maxBufferedBytes else {
            droppedLines += 1
            return .dropped
        }
        let wasEmpty = pending.isEmpty
        pending.append(contentsOf: line.utf8)
        pending.append(UInt8(ascii: "\n"))
        acceptedLines += 1
        return .queued(wakeWriter: wasEmpty)
    }

    /// Swaps everything waiting into the writer's empty `buffer`, whose capacity the next lines
    /// reuse, and returns the line count the batch completes; nil when there is nothing left to write.
    mutating func takeBatch(swappingWith buffer: inout [UInt8]) -> UInt64? {
        guard !pending.isEmpty else { return nil }
        swap(&buffer, &pending)
        return acceptedLines
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
