/// When a curl shard's thread must be woken for the commands queued for it (kept under the
/// shard's inbox lock). The thread sleeps in `curl_multi_poll`; `curl_multi_wakeup` is a
/// syscall, and on a busy core the woken thread takes the core from whoever woke it.
///
/// One wakeup covers every command queued before the thread takes the queue. A command
/// queued on an event loop's thread waits for the end of the loop's current task (a read of
/// many requests, a batch of upstream events), so that a task's commands share one wakeup and
/// the thread is not switched to in the middle of the task.
struct ShardWakeup {
    enum Action: Equatable {
        case none
        /// Call `curl_multi_wakeup` now.
        case wakeNow
        /// Come back with `loopTaskEnded` once the loop's current task has run.
        case wakeAfterLoopTask
    }

    /// A wakeup was made (or is being made) that the thread has not yet answered by taking
    /// the queue: every command queued meanwhile is taken with it.
    private(set) var wakeupPending = false
    /// Loops with a `loopTaskEnded` to come.
    private(set) var loopsWakingLater: [ObjectIdentifier] = []

    /// A command was queued, on `loop`'s thread or (nil) elsewhere.
    mutating func commandQueued(onLoop loop: ObjectIdentifier?) -> Action {
        if self.wakeupPending { return .none }
        guard let loop else {
            self.wakeupPending = true
            return .wakeNow
        }
        if self.loopsWakingLater.contains(loop) { return .none }
        self.loopsWakingLater.append(loop)
        return .wakeAfterLoopTask
    }

    /// The task that queued commands on `loop` has run.
    mutating func loopTaskEnded(_ loop: ObjectIdentifier) -> Action {
        self.loopsWakingLater.removeAll { $0 == loop }
        if self.wakeupPending { return .none }
        self.wakeupPending = true
        return .wakeNow
    }

    /// The thread took the queue: a command queued from now on needs a wakeup of its own.
    mutating func queueTaken() {
        self.wakeupPending = false
    }
}
