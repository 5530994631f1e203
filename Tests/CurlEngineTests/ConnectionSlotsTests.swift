import NIOCore
import Testing

@testable import CurlEngine

/// Mutating calls run outside `#expect`, which cannot capture inout state.
@Suite("ConnectionSlots: per-backend connection cap")
struct ConnectionSlotsTests {
    final class Waiter {}
    static let now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    static let later = now + .seconds(5)

    @Test func admitsUpToTheLimitThenQueuesInOrder() {
        var slots = ConnectionSlots<Waiter>()
        let (a, b, c, d) = (Waiter(), Waiter(), Waiter(), Waiter())
        let admitted = [a, b, c, d].map { slots.acquire("fn", limit: 2, waiter: $0, deadline: Self.later) }
        #expect(admitted == [true, true, false, false])
        #expect(slots.waitingCount("fn") == 2)
        let handedTo = [slots.release("fn"), slots.release("fn"), slots.release("fn")]
        #expect(handedTo[0] === c)  // the freed slot passes to the oldest waiter
        #expect(handedTo[1] === d)
        #expect(handedTo[2] == nil)
        #expect(slots.activeCount("fn") == 1)
    }

    @Test func poolsAreIndependent() {
        var slots = ConnectionSlots<Waiter>()
        let admitted = [
            slots.acquire("a", limit: 1, waiter: Waiter(), deadline: Self.later),
            slots.acquire("b", limit: 1, waiter: Waiter(), deadline: Self.later),
            slots.acquire("a", limit: 1, waiter: Waiter(), deadline: Self.later),
        ]
        #expect(admitted == [true, true, false])
    }

    @Test func cancelledWaiterNeverGetsASlot() {
        var slots = ConnectionSlots<Waiter>()
        let (a, b, c) = (Waiter(), Waiter(), Waiter())
        _ = [a, b, c].map { slots.acquire("fn", limit: 1, waiter: $0, deadline: Self.later) }
        let removed = [slots.removeWaiting("fn", b), slots.removeWaiting("fn", b)]
        #expect(removed == [true, false])
        let next = slots.release("fn")
        #expect(next === c)
    }

    @Test func releasingTheLastSlotForgetsThePool() {
        var slots = ConnectionSlots<Waiter>()
        let first = slots.acquire("fn", limit: 1, waiter: Waiter(), deadline: Self.later)
        let handedTo = slots.release("fn")
        #expect(first && handedTo == nil)
        #expect(slots.activeCount("fn") == 0)
        let again = slots.acquire("fn", limit: 1, waiter: Waiter(), deadline: Self.later)
        #expect(again)
    }

    @Test func waitersExpireFromTheFrontInArrivalOrder() {
        var slots = ConnectionSlots<Waiter>()
        let (a, b, c, d) = (Waiter(), Waiter(), Waiter(), Waiter())
        _ = slots.acquire("fn", limit: 1, waiter: a, deadline: Self.now)
        _ = slots.acquire("fn", limit: 1, waiter: b, deadline: Self.now + .seconds(1))
        _ = slots.acquire("fn", limit: 1, waiter: c, deadline: Self.now + .seconds(2))
        _ = slots.acquire("fn", limit: 1, waiter: d, deadline: Self.now + .seconds(3))
        #expect(slots.earliestDeadline == Self.now + .seconds(1))
        let expired = slots.expiredWaiters(at: Self.now + .seconds(2))
        #expect(expired.count == 2 && expired[0] === b && expired[1] === c)
        _ = slots.removeWaiting("fn", b)
        _ = slots.removeWaiting("fn", c)
        #expect(slots.earliestDeadline == Self.now + .seconds(3))
        #expect(slots.expiredWaiters(at: Self.now + .seconds(2)).isEmpty)
    }

    /// A reload that shortens the queue timeout queues a waiter with an earlier deadline
    /// behind older ones: it still expires on time.
    @Test func aShorterDeadlineBehindLongerOnesStillExpires() {
        var slots = ConnectionSlots<Waiter>()
        let (holder, old, new) = (Waiter(), Waiter(), Waiter())
        _ = slots.acquire("fn", limit: 1, waiter: holder, deadline: Self.now)
        _ = slots.acquire("fn", limit: 1, waiter: old, deadline: Self.now + .seconds(60))
        _ = slots.acquire("fn", limit: 1, waiter: new, deadline: Self.now + .seconds(1))
        #expect(slots.earliestDeadline == Self.now + .seconds(1))
        let expired = slots.expiredWaiters(at: Self.now + .seconds(1))
        #expect(expired.count == 1 && expired[0] === new)
        _ = slots.removeWaiting("fn", new)
        #expect(slots.earliestDeadline == Self.now + .seconds(60))
    }

    @Test func leavingTheQueueTakesTheDeadlineAlong() {
        var slots = ConnectionSlots<Waiter>()
        let (holder, waiter) = (Waiter(), Waiter())
        _ = slots.acquire("fn", limit: 1, waiter: holder, deadline: Self.now)
        _ = slots.acquire("fn", limit: 1, waiter: waiter, deadline: Self.now + .seconds(1))
        let handedTo = slots.release("fn")
        #expect(handedTo === waiter)
        #expect(slots.earliestDeadline == nil)
        #expect(slots.expiredWaiters(at: Self.now + .seconds(10)).isEmpty)
    }
}
