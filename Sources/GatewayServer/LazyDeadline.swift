import NIOCore

/// One deadline on an event loop that moves without cancelling anything: moving it later or
/// clearing it leaves the one scheduled check in place, and the check re-arms itself for what
/// is left, or does nothing. A connection's per-request timeouts need no task per request:
/// scheduling and cancelling one cost about 10% of a preflight, and NIO's cancel searches its
/// queue of every pending task (2.5% of a proxied request with 1,000 connections open).
///
/// Event-loop confined. `stop()` when the owner goes away: the scheduled check holds `expired`.
final class LazyDeadline {
    private let eventLoop: EventLoop
    private let expired: () -> Void
    /// When `expired` runs; nil: not armed.
    private(set) var deadline: NIODeadline?
    private var timer: Scheduled<Void>?
    private var timerFires = NIODeadline.distantFuture

    init(eventLoop: EventLoop, expired: @escaping () -> Void) {
        self.eventLoop = eventLoop
        self.expired = expired
    }

    /// Arms (or moves) the deadline to `timeout` from now on the loop's clock. Only moving it
    /// earlier than the scheduled check reschedules.
    func set(after timeout: TimeAmount) {
        let deadline = self.eventLoop.now + timeout
        self.deadline = deadline
        if self.timer == nil || deadline < self.timerFires { self.schedule(at: deadline) }
    }

    func clear() {
        self.deadline = nil
    }

    func stop() {
        self.deadline = nil
        self.timer?.cancel()
        self.timer = nil
    }

    private func schedule(at time: NIODeadline) {
        self.timer?.cancel()
        self.timerFires = time
        self.timer = self.eventLoop.assumeIsolated().scheduleTask(deadline: time) {
            self.timer = nil
            self.check()
        }
    }

    /// The scheduled check fired: expire, wait for what is left, or (cleared) stop.
    private func check() {
        guard let deadline = self.deadline else { return }
        if deadline > self.eventLoop.now {
            self.schedule(at: deadline)
        } else {
            self.deadline = nil
            self.expired()
        }
    }
}
