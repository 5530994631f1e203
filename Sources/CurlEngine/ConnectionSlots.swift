import NIOCore

/// Caps concurrent transfers per backend. HTTP/1.1 carries one exchange per connection, so a
/// cap on transfers is a cap on pooled connections; transfers over the cap wait in FIFO order.
///
/// Pools are mutated in place through the dictionary's modify accessor: copying a pool out and
/// back would copy its queue of waiters on every call (measured with 1,000 clients over 256
/// connections: two thirds of the curl thread went to retaining and releasing those copies).
struct ConnectionSlots<Waiter: AnyObject> {
    private struct Pool {
        var active = 0
        var waiting = CircularBuffer<Waiter>()

        var isIdle: Bool { active == 0 && waiting.isEmpty }

        mutating func admit(_ waiter: Waiter, limit: Int) -> Bool {
            if active < max(limit, 1) {
                active += 1
                return true
            }
            waiting.append(waiter)
            return false
        }

        /// The freed slot passes straight to the first waiter, if any.
        mutating func release() -> Waiter? {
            if let next = waiting.popFirst() { return next }
            active -= 1
            return nil
        }
    }

    private var pools: [String: Pool] = [:]

    /// Whether a transfer of `key` would start at once.
    func hasFreeSlot(_ key: String, limit: Int) -> Bool {
        (self.pools[key]?.active ?? 0) < max(limit, 1)
    }

    /// `true` when `waiter` may start now; otherwise it is queued.
    mutating func acquire(_ key: String, limit: Int, waiter: Waiter) -> Bool {
        self.pools[key, default: Pool()].admit(waiter, limit: limit)
    }

    /// Frees a slot; returns the waiter that takes it over, if any.
    mutating func release(_ key: String) -> Waiter? {
        guard self.pools[key] != nil else { return nil }
        let next = self.pools[key]!.release()
        if self.pools[key]!.isIdle { self.pools[key] = nil }
        return next
    }

    /// Drops a waiter that was cancelled before it got a slot. `false` if it was not waiting.
    mutating func removeWaiting(_ key: String, _ waiter: Waiter) -> Bool {
        guard let index = self.pools[key]?.waiting.firstIndex(where: { $0 === waiter }) else { return false }
        self.pools[key]!.waiting.remove(at: index)
        return true
    }

    /// Every waiter of every pool, oldest first within a pool.
    func allWaiting() -> [Waiter] {
        self.pools.values.flatMap { $0.waiting }
    }

    func waitingCount(_ key: String) -> Int {
        self.pools[key]?.waiting.count ?? 0
    }

    func activeCount(_ key: String) -> Int {
        self.pools[key]?.active ?? 0
    }
}
