import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayServer

/// The flushes of an HTTP/2 connection's streams in one event-loop task reach the socket as one.
@Suite("HTTP/2 flush coalescer")
struct HTTP2FlushCoalescerTests {
    /// Counts the flushes that pass.
    final class FlushCounter: ChannelOutboundHandler, @unchecked Sendable {
        typealias OutboundIn = Never
        var flushes = 0

        func flush(context: ChannelHandlerContext) {
            self.flushes += 1
            context.flush()
        }
    }

    @Test func flushesInOneTaskGoOutOnceAfterIt() throws {
        let channel = EmbeddedChannel()
        let counter = FlushCounter()
        try channel.pipeline.syncOperations.addHandlers([counter, HTTP2FlushCoalescer()])
        let loop = channel.embeddedEventLoop
        loop.execute {
            for _ in 0..<25 { channel.pipeline.flush() }
            #expect(counter.flushes == 0, "held until the task ends")
        }
        loop.run()
        #expect(counter.flushes == 1)
        channel.pipeline.flush()
        loop.run()
        #expect(counter.flushes == 2, "a later task's flush goes out too")
        _ = try channel.finish()
    }

    @Test func aFlushAfterTheHandlerLeftIsNotPassedOn() throws {
        let channel = EmbeddedChannel()
        let counter = FlushCounter()
        let coalescer = HTTP2FlushCoalescer()
        try channel.pipeline.syncOperations.addHandlers([counter, coalescer])
        channel.pipeline.flush()
        try channel.pipeline.syncOperations.removeHandler(coalescer).wait()
        channel.embeddedEventLoop.run()
        #expect(counter.flushes == 0)
        _ = try channel.finish()
    }
}
