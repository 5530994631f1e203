import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A loopback upstream that answers every connection with the same raw bytes, for responses
/// that NIO's HTTP encoder would refuse or repair: malformed `Set-Cookie` lines, bodies framed
/// until close, interim 1xx heads, resets mid-body.
///
/// Once a connection has sent a complete request head (`\r\n\r\n`), the bytes are written and
/// the connection is then left open, closed, or reset. Request bodies are read and ignored.
public final class ScriptedBackend: Sendable {
    public enum Ending: Sendable {
        case keepOpen
        /// An orderly close (FIN) once the bytes are written.
        case close
        /// SO_LINGER 0 then close: the peer sees ECONNRESET, possibly losing unread bytes.
        case reset
    }

    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(self.port)" }

    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let heads: NIOLockedValueBox<[[UInt8]]>
    private let streams: NIOLockedValueBox<[[UInt8]]>

    private init(
        group: MultiThreadedEventLoopGroup, serverChannel: any Channel,
        heads: NIOLockedValueBox<[[UInt8]]>, streams: NIOLockedValueBox<[[UInt8]]>
    ) {
        self.group = group
        self.serverChannel = serverChannel
        self.heads = heads
        self.streams = streams
        self.port = serverChannel.localAddress?.port ?? 0
    }

    /// `waitsForBody`: answer only once the body the head's Content-Length announces is in,
    /// so the upload is never cut short by an early answer.
    public static func start(response: [UInt8], then ending: Ending = .close, waitsForBody: Bool = false) async throws -> ScriptedBackend {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let heads = NIOLockedValueBox<[[UInt8]]>([])
        let streams = NIOLockedValueBox<[[UInt8]]>([])
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ScriptedResponder(response: response, ending: ending, waitsForBody: waitsForBody, heads: heads, streams: streams))
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
            return ScriptedBackend(group: group, serverChannel: channel, heads: heads, streams: streams)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    public static func start(response: String, then ending: Ending = .close, waitsForBody: Bool = false) async throws -> ScriptedBackend {
        try await self.start(response: Array(response.utf8), then: ending, waitsForBody: waitsForBody)
    }

    /// The raw request heads received so far, `\r\n\r\n` included, one per connection.
    public var requestHeads: [[UInt8]] { self.heads.withLockedValue { $0 } }

    /// Every byte each connection sent (head, body and anything after), one entry per
    /// connection in accept order.
    public var receivedBytes: [[UInt8]] { self.streams.withLockedValue { $0 } }

    public func shutdown() async throws {
        try? await self.serverChannel.close()
        try await self.group.shutdownGracefully()
    }
}

/// One ``ScriptedBackend`` connection: waits for a request head, then plays the script.
private final class ScriptedResponder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let response: [UInt8]
    private let ending: ScriptedBackend.Ending
    private let waitsForBody: Bool
    private let heads: NIOLockedValueBox<[[UInt8]]>
    private let streams: NIOLockedValueBox<[[UInt8]]>
    private var stream: Int?
    private var received: [UInt8] = []
    private var answered = false

    init(
        response: [UInt8], ending: ScriptedBackend.Ending, waitsForBody: Bool,
        heads: NIOLockedValueBox<[[UInt8]]>, streams: NIOLockedValueBox<[[UInt8]]>
    ) {
        self.response = response
        self.ending = ending
        self.waitsForBody = waitsForBody
        self.heads = heads
        self.streams = streams
    }

    func channelActive(context: ChannelHandlerContext) {
        self.stream = self.streams.withLockedValue { streams in
            streams.append([])
            return streams.count - 1
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = self.unwrapInboundIn(data).readableBytesView
        if let stream = self.stream { self.streams.withLockedValue { $0[stream] += bytes } }
        guard !self.answered else { return }
        self.received += bytes
        guard let headEnd = self.headEnd() else { return }
        if self.waitsForBody, self.received.count < headEnd + self.contentLength(head: self.received[..<headEnd]) { return }
        self.answered = true
        self.heads.withLockedValue { $0.append(Array(self.received[..<headEnd])) }

        let written = context.writeAndFlush(self.wrapOutboundOut(ByteBuffer(bytes: self.response)))
        switch self.ending {
        case .keepOpen:
            break
        case .close:
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        case .reset:
            written.assumeIsolated().whenComplete { _ in
                let options = context.channel as? any SocketOptionProvider
                _ = options?.setSoLinger(linger(l_onoff: 1, l_linger: 0))
                context.close(promise: nil)
            }
        }
    }

    /// The head's Content-Length, 0 without one.
    private func contentLength(head: ArraySlice<UInt8>) -> Int {
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n")
        let line = lines.first { $0.lowercased().hasPrefix("content-length:") }
        return line.flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
    }

    /// Index just past the `\r\n\r\n` ending the request head, once it has arrived.
    private func headEnd() -> Int? {
        let terminator: [UInt8] = [13, 10, 13, 10]
        guard self.received.count >= 4 else { return nil }
        return (0...(self.received.count - 4)).first { self.received[$0..<($0 + 4)].elementsEqual(terminator) }
            .map { $0 + 4 }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
