/// Caps concurrent transfers per backend. HTTP/1.1 carries one exchange per connection, so a
/// cap on transfers is a cap on pooled connections; transfers over the cap wait in FIFO order.
struct ConnectionSlots<Waiter: AnyObject> {
    private struct Pool {
        var active = 0
        var waiting: [Waiter] = []
        var waitingHead = 0
    }

    private var pools: [String: Pool] = [:]

    /// `true` when `waiter` may start now; otherwise it is queued.
    mutating func acquire(_ key: String, limit: Int, waiter: Waiter) -> Bool {
        var pool = self.pools[key, default: Pool()]
        defer { self.pools[key] = pool }
        if pool.active < max(limit, 1) {
            pool.active += 1
            return true
        }
        pool.waiting.append(waiter)
        return false
    }

    /// Frees a slot; returns the waiter that takes it over, if any.
    mutating func release(_ key: String) -> Waiter? {
        guard var pool = self.pools[key] else { return nil }
        defer { self.pools[key] = pool.active == 0 && pool.waiting.isEmpty ? nil : pool }
        if pool.waitingHead < pool.waiting.count {
            let next = pool.waiting[pool.waitingHead]
            pool.waitingHead += 1
            if pool.waitingHead == pool.waiting.count {
                pool.waiting.removeAll(keepingCapacity: true)
                pool.waitingHead = 0
            }
            return next  // the slot passes straight to it
        }
        pool.active -= 1
        return nil
    }

    /// Drops a waiter that was cancelled before it got a slot. `false` if it was not waiting.
    mutating func removeWaiting(_ key: String, _ waiter: Waiter) -> Bool {
        guard var pool = self.pools[key],
            let index = pool.waiting[pool.waitingHead...].firstIndex(where: { $0 === waiter })
        else { return false }
        pool.waiting.remove(at: index)
        self.pools[key] = pool
        return true
    }

    func waitingCount(_ key: String) -> Int {
        guard let pool = self.pools[key] else { return 0 }
        return pool.waiting.count - pool.waitingHead
    }

    func activeCount(_ key: String) -> Int {
        self.pools[key]?.active ?? 0
    }
}
