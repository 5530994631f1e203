#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The body of a `LogLineWriter`'s thread: sleep until lines wait, write them all, linger for more,
/// repeat until stopped (`WriterState` has the rules).
final class WriterThread: Sendable {
    private let fileDescriptor: Int32
    private let state: ConditionLock<WriterState>

    init(fileDescriptor: Int32, state: ConditionLock<WriterState>) {
        self.fileDescriptor = fileDescriptor
        self.state = state
    }

    /// Starts the thread, which keeps this object alive until it exits.
    func start() -> pthread_t {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(&thread, nil, { context in
            Unmanaged<WriterThread>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        precondition(result == 0, "cannot start the log writer thread: error \(result)")
        return thread
    }

    private func run() {
        nameCurrentThread("logwriter-\(fileDescriptor)")
        // A write to a pipe whose reader is gone raises SIGPIPE, which kills the process by default.
        // Blocked on this thread, the signal stays pending and write(2) reports EPIPE instead.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        var buffer: [UInt8] = []
        var lingering = false
        while true {
            let deadline = lingering ? monotonicDeadline(after: LogLineWriter.linger) : nil
            let step = state.withLock(waitingUntil: \.writerMustRun, deadline: deadline) { state, _ in
                state.nextStep(swappingWith: &buffer)
            }
            guard case .write(let lastLine) = step else {
                if step == .exit { break }
                lingering = false
                continue
            }
            let written = buffer.withUnsafeBytes { writeFully($0, to: fileDescriptor) }
            let lostLines = buffer[written...].count { $0 == UInt8(ascii: "\n") }
            buffer.removeAll(keepingCapacity: true)
            state.withLock { $0.settle(upTo: lastLine, lostLines: lostLines) }
            state.broadcast()
            lingering = true
        }
        state.withLock { $0.markExited() }
        state.broadcast()
    }
}

/// Names the calling thread so `top -H`, `ps -L` and /proc show which thread writes where.
///
/// Goes through /proc because Swift's Glibc module hides the GNU `pthread_setname_np`; without
/// /proc the thread simply stays unnamed. The kernel keeps at most 15 bytes.
private func nameCurrentThread(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    defer { close(fd) }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}
