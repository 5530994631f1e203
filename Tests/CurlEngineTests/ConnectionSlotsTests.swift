import Testing

@testable import CurlEngine

/// Mutating calls run outside `#expect`, which cannot capture inout state.
@Suite("ConnectionSlots: per-backend connection cap")
struct ConnectionSlotsTests {
    final class Waiter {}

    @Test func admitsUpToTheLimitThenQueuesInOrder() {
        var slots = ConnectionSlots<Waiter>()
        let (a, b, c, d) = (Waiter(), Waiter(), Waiter(), Waiter())
        let admitted = [a, b, c, d].map { slots.acquire("fn", limit: 2, waiter: $0) }
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
            slots.acquire("a", limit: 1, waiter: Waiter()),
            slots.acquire("b", limit: 1, waiter: Waiter()),
            slots.acquire("a", limit: 1, waiter: Waiter()),
        ]
        #expect(admitted == [true, true, false])
    }

    @Test func cancelledWaiterNeverGetsASlot() {
        var slots = ConnectionSlots<Waiter>()
        let (a, b, c) = (Waiter(), Waiter(), Waiter())
        _ = [a, b, c].map { slots.acquire("fn", limit: 1, waiter: $0) }
        let removed = [slots.removeWaiting("fn", b), slots.removeWaiting("fn", b)]
        #expect(removed == [true, false])
        let next = slots.release("fn")
        #expect(next === c)
    }

    @Test func releasingTheLastSlotForgetsThePool() {
        var slots = ConnectionSlots<Waiter>()
        let first = slots.acquire("fn", limit: 1, waiter: Waiter())
        let handedTo = slots.release("fn")
        #expect(first && handedTo == nil)
        #expect(slots.activeCount("fn") == 0)
        let again = slots.acquire("fn", limit: 1, waiter: Waiter())
        #expect(again)
    }
}
