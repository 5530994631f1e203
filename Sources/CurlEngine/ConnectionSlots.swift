import NIOCore

/// Caps concurrent transfers per backend. HTTP/1.1 carries one exchange per connection, so a
/// cap on transfers is a cap on pooled connections; transfers over the cap wait in FIFO order,
/// each until its queue deadline.
///
/// Pools are mutated in place through the dictionary's modify accessor: copying a pool out and
/// back would copy its queue of waiters on every call (measured with 1,000 clients over 256
/// connections: two thirds of the curl thread went to retaining and releasing those copies).
///
/// A waiter's deadline lives with it and leaves with it: a separate list of deadlines kept
/// every queued transfer, finished or not, alive until its deadline passed (with 1,000 clients
/// over 256 connections, 5 s of transfers: 230 MiB).
struct ConnectionSlots<Waiter: AnyObject> {
    private struct Pool {
        var active = 0
        var waiting = CircularBuffer<(waiter: Waiter, deadline: NIODeadline)>()
        /// A waiter's deadline is earlier than that of one queued before it (a reload shortened
        /// the backend's queue timeout), so the first waiter is not necessarily the first to
        /// expire. Until the queue empties, expiry looks at every waiter, not only the first.
        var deadlinesOutOfOrder = false

        var isIdle: Bool { active == 0 && waiting.isEmpty }

        mutating func admit(_ waiter: Waiter, limit: Int, deadline: NIODeadline) -> Bool {
            if active < max(limit, 1) {
                active += 1
                return true
            }
            if let last = waiting.last, deadline < last.deadline { deadlinesOutOfOrder = true }
            waiting.append((waiter, deadline))
            return false
        }

        /// The freed slot passes straight to the first waiter, if any.
        mutating func release() -> Waiter? {
            defer { if waiting.isEmpty { deadlinesOutOfOrder = false } }
            if let next = waiting.popFirst() { return next.waiter }
            active -= 1
            return nil
        }

        /// The waiters whose deadline is not after `now`.
        func expired(at now: NIODeadline) -> [Waiter] {
            if deadlinesOutOfOrder {
                return waiting.filter { $0.deadline <= now }.map(\.waiter)
            }
            return waiting.prefix { $0.deadline <= now }.map(\.waiter)
        }

        var earliestDeadline: NIODeadline? {
            deadlinesOutOfOrder ? waiting.map(\.deadline).min() : waiting.first?.deadline
        }
    }

    private var pools: [String: Pool] = [:]

    /// Whether a transfer of `key` would start at once.
    func hasFreeSlot(_ key: String, limit: Int) -> Bool {
        (self.pools[key]?.active ?? 0) < max(limit, 1)
    }

    /// `true` when `waiter` may start now; otherwise it is queued until `deadline`.
    mutating func acquire(_ key: String, limit: Int, waiter: Waiter, deadline: NIODeadline) -> Bool {
        self.pools[key, default: Pool()].admit(waiter, limit: limit, deadline: deadline)
    }

    /// Frees a slot; returns the waiter that takes it over, if any.
    mutating func release(_ key: String) -> Waiter? {
        guard self.pools[key] != nil else { return nil }
        let next = self.pools[key]!.release()
        if self.pools[key]!.isIdle { self.pools[key] = nil }
        return next
    }

    /// Drops a waiter that leaves before it got a slot (cancelled, or its deadline passed).
    /// `false` if it was not waiting. Expired waiters are found near the front.
    mutating func removeWaiting(_ key: String, _ waiter: Waiter) -> Bool {
        guard let index = self.pools[key]?.waiting.firstIndex(where: { $0.waiter === waiter }) else { return false }
        self.pools[key]!.waiting.remove(at: index)
        if self.pools[key]!.waiting.isEmpty { self.pools[key]!.deadlinesOutOfOrder = false }
        return true
    }

    /// Every waiter whose deadline is not after `now`, still queued (remove each with
    /// `removeWaiting`).
    func expiredWaiters(at now: NIODeadline) -> [Waiter] {
        self.pools.values.flatMap { $0.expired(at: now) }
    }

    /// The earliest deadline of any waiter; nil when nobody waits.
    var earliestDeadline: NIODeadline? {
        self.pools.values.compactMap(\.earliestDeadline).min()
    }

    /// Every waiter of every pool, oldest first within a pool.
    func allWaiting() -> [Waiter] {
        self.pools.values.flatMap { $0.waiting.map(\.waiter) }
    }

    func waitingCount(_ key: String) -> Int {
        self.pools[key]?.waiting.count ?? 0
    }

    func activeCount(_ key: String) -> Int {
        self.pools[key]?.active ?? 0
    }
}
