import NIOCore
import NIOHTTP2

/// One flush of an HTTP/2 connection for all the streams that flushed in one event-loop task:
/// the curl engine hands a pass's upstream events to a loop in one task, and each stream's
/// `ProxyHandler` flushes its own. Without this, every stream's flush went down to the socket
/// on its own: a TLS record and a `writev` per response, which cost a proxied GET over HTTP/2
/// more than a fifth of its CPU. Sits between the connection's handlers and the stream
/// multiplexer, so the preflight lane's answers (flushed once per read) do not pass it.
final class HTTP2FlushCoalescer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTP2Frame

    private var flushScheduled = false
    private var removed = false

    func flush(context: ChannelHandlerContext) {
        guard !self.flushScheduled else { return }
        self.flushScheduled = true
        // Runs after the task that is running now, before the loop waits for I/O again.
        context.eventLoop.assumeIsolated().execute {
            self.flushScheduled = false
            if !self.removed { context.flush() }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.removed = true
    }
}
