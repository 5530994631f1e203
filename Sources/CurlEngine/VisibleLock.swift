import CCurlShim
import Synchronization

extension Mutex {
    /// `withLock`, with the critical section announced to ThreadSanitizer when it is present:
    /// it cannot see `Synchronization.Mutex` on Linux (a futex it does not intercept, Swift
    /// 6.3) and reports every access under the lock as a race. Elsewhere this costs one load
    /// and a branch.
    borrowing func withVisibleLock<Result>(
        at address: UnsafeMutableRawPointer, _ body: (inout sending Value) -> sending Result
    ) -> sending Result {
        self.withLock { value in
            guard ThreadSanitizer.isPresent else { return body(&value) }
            gw_tsan_acquire(address)
            defer { gw_tsan_release(address) }
            return body(&value)
        }
    }
}

enum ThreadSanitizer {
    static let isPresent = gw_tsan_present() != 0
}
