import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayServer

/// The re-arming deadline behind the head, idle and response timeouts, on an embedded loop
/// whose clock the test moves.
@Suite("LazyDeadline")
struct LazyDeadlineTests {
    final class Counter { var fired = 0 }

    @Test func firesOnceAtTheLatestDeadlineAfterMovingLater() throws {
        let loop = EmbeddedEventLoop()
        let counter = Counter()
        let deadline = LazyDeadline(eventLoop: loop) { counter.fired += 1 }
        deadline.set(after: .milliseconds(100))
        loop.advanceTime(by: .milliseconds(50))
        deadline.set(after: .milliseconds(100))  // now due at 150
        loop.advanceTime(by: .milliseconds(60))  // 110: the first check re-arms
        #expect(counter.fired == 0)
        loop.advanceTime(by: .milliseconds(40))  // 150
        #expect(counter.fired == 1)
        loop.advanceTime(by: .seconds(1))
        #expect(counter.fired == 1)
    }

    @Test func clearedNeverFiresAndCanBeSetAgain() throws {
        let loop = EmbeddedEventLoop()
        let counter = Counter()
        let deadline = LazyDeadline(eventLoop: loop) { counter.fired += 1 }
        deadline.set(after: .milliseconds(100))
        deadline.clear()
        loop.advanceTime(by: .milliseconds(200))
        #expect(counter.fired == 0)
        deadline.set(after: .milliseconds(100))
        loop.advanceTime(by: .milliseconds(100))
        #expect(counter.fired == 1)
    }

    @Test func movingEarlierReschedules() throws {
        let loop = EmbeddedEventLoop()
        let counter = Counter()
        let deadline = LazyDeadline(eventLoop: loop) { counter.fired += 1 }
        deadline.set(after: .seconds(10))
        deadline.set(after: .milliseconds(100))
        loop.advanceTime(by: .milliseconds(100))
        #expect(counter.fired == 1)
    }

    @Test func stoppedNeverFires() throws {
        let loop = EmbeddedEventLoop()
        let counter = Counter()
        let deadline = LazyDeadline(eventLoop: loop) { counter.fired += 1 }
        deadline.set(after: .milliseconds(100))
        deadline.stop()
        loop.advanceTime(by: .seconds(1))
        #expect(counter.fired == 0)
    }
}
