#if canImport(Glibc)
import Glibc
#endif
import Synchronization

extension Mutex {
    /// `withLock`, with the critical section announced to ThreadSanitizer when the process
    /// runs under it: on Linux it cannot see `Synchronization.Mutex` (a futex it does not
    /// intercept, Swift 6.3) and reports every access made under one as a race. `address`
    /// names the lock to it (the owner's address will do). Otherwise this costs a load and a
    /// branch. Inlinable: a generic call across the module boundary cost a proxied request
    /// 0.15 µs.
    @inlinable
    public borrowing func withVisibleLock<Result>(
        at address: UnsafeMutableRawPointer, _ body: (inout sending Value) -> sending Result
    ) -> sending Result {
        self.withLock { value in
            guard let hooks = ThreadSanitizerHooks.present else { return body(&value) }
            hooks.acquire(address)
            defer { hooks.release(address) }
            return body(&value)
        }
    }
}

/// ThreadSanitizer's annotation entry points, found at run time: they exist only in a
/// binary built with `-sanitize=thread`, and a direct reference would not link elsewhere.
@usableFromInline
struct ThreadSanitizerHooks: Sendable {
    @usableFromInline typealias Hook = @convention(c) (UnsafeMutableRawPointer?) -> Void
    @usableFromInline let acquire: Hook
    @usableFromInline let release: Hook

    init(acquire: Hook, release: Hook) {
        self.acquire = acquire
        self.release = release
    }

    @usableFromInline static let present: ThreadSanitizerHooks? = {
        guard let acquire = dlsym(nil, "__tsan_acquire"), let release = dlsym(nil, "__tsan_release") else { return nil }
        return ThreadSanitizerHooks(
            acquire: unsafeBitCast(acquire, to: Hook.self), release: unsafeBitCast(release, to: Hook.self))
    }()
}

/// The address a class instance names its locks by for `withVisibleLock`.
public func lockAddress(of owner: AnyObject) -> UnsafeMutableRawPointer {
    Unmanaged.passUnretained(owner).toOpaque()
}
