import Synchronization
import VisibleLock

/// Metric handles by their label values. Creating a handle through the factory allocates the
/// swift-metrics wrapper and its label array, re-validates the name and labels and takes the
/// registry's lock, which every family shares; so each series is created once and found here
/// afterwards.
final class HandleCache<Key: Hashable & Sendable, Handle: Sendable>: Sendable {
    private let handles = Mutex<[Key: Handle]>([:])
    private let make: @Sendable (Key) -> Handle

    init(make: @escaping @Sendable (Key) -> Handle) {
        self.make = make
    }

    /// One lock and one dictionary lookup (hashing the label values); no allocation
    /// once the series exists. The registry never calls back into this cache, so creating a
    /// handle under the lock cannot deadlock.
    subscript(key: Key) -> Handle {
        handles.withVisibleLock(at: lockAddress(of: self)) { handles in
            if let handle = handles[key] {
                return handle
            }
            let handle = make(key)
            handles[key] = handle
            return handle
        }
    }
}
