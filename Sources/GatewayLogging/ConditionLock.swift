#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// State guarded by a pthread mutex, with one condition variable to sleep on until the state is ready.
///
/// `Synchronization.Mutex` cannot be waited on, so the writer thread would have to poll; a condition
/// variable lets an idle writer sleep in the kernel at zero CPU.
///
/// `@unchecked Sendable`: `state` is only read or written while `mutex` is held, and the pthread
/// objects live at stable heap addresses for the lifetime of the instance.
final class ConditionLock<State: Sendable>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var state: State

    init(_ state: State) {
        self.state = state
        pthread_mutex_init(mutex, nil)
        // Deadlines are monotonic so a wall-clock jump cannot stretch or cut a bounded wait.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func withLock<R>(_ body: (inout State) -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(&state)
    }

    /// Sleeps until `ready` holds or the CLOCK_MONOTONIC `deadline` passes, then runs `body` in the
    /// same critical section, telling it whether `ready` held.
    func withLock<R>(
        waitingUntil ready: (State) -> Bool,
        deadline: timespec? = nil,
        _ body: (inout State, _ isReady: Bool) -> R
    ) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !ready(state) {
            if var deadline {
                if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT {
                    return body(&state, ready(state))
                }
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
        return body(&state, true)
    }

    /// Wakes every waiter so each re-checks its condition; call after changing the state.
    func broadcast() {
        pthread_cond_broadcast(condition)
    }
}

/// The CLOCK_MONOTONIC instant `duration` from now, as `ConditionLock` deadlines expect.
func monotonicDeadline(after duration: Duration) -> timespec {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    let (seconds, attoseconds) = duration.components
    var nanoseconds = Int(now.tv_nsec) + Int(attoseconds / 1_000_000_000)
    var wholeSeconds = Int(now.tv_sec) + Int(seconds)
    if nanoseconds >= 1_000_000_000 {
        nanoseconds -= 1_000_000_000
        wholeSeconds += 1
    }
    return timespec(tv_sec: wholeSeconds, tv_nsec: nanoseconds)
}
