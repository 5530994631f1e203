import NIOCore
import NIOHTTP2

/// The open stream channels of one HTTP/2 connection, so a drain can reach each exchange.
/// Called on the connection's event loop only.
final class HTTP2StreamRegistry: @unchecked Sendable {
    private var channels: [ObjectIdentifier: Channel] = [:]

    /// Keeps `channel` until it closes.
    func add(_ channel: Channel) {
        let key = ObjectIdentifier(channel)
        self.channels[key] = channel
        channel.closeFuture.whenComplete { _ in self.channels[key] = nil }
    }

    var open: [Channel] { Array(self.channels.values) }
}

/// A drain (SPEC §8) on an HTTP/2 connection: at its start GOAWAY (the connection manager
/// quiesces: no new streams, open ones finish, then it closes); at its deadline each stream
/// still open is told, as an HTTP/1.1 connection would be, and answers 503 or is reset.
final class HTTP2DrainRelay: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let streams: HTTP2StreamRegistry

    init(streams: HTTP2StreamRegistry) {
        self.streams = streams
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event as? DrainEvent {
        case .finishCurrentExchange?:
            context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        case .deadlineReached?:
            for stream in self.streams.open { stream.pipeline.fireUserInboundEventTriggered(DrainEvent.deadlineReached) }
        case nil:
            context.fireUserInboundEventTriggered(event)
        }
    }
}

/// Ends an HTTP/2 connection on a connection error: nio-http2 has already sent GOAWAY (a
/// protocol violation, a rapid-reset or CONTINUATION flood) and leaves the close to the
/// pipeline; without it the attacker's connection would stay open (SPEC §12).
final class HTTP2ConnectionErrorClose: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
