import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// A TLS client over loopback for tests of the gateway's TLS listeners: it handshakes with the
/// server name, ALPN list and TLS versions given (trusting any certificate), then sends raw
/// bytes and collects what comes back, so tests can speak HTTP/1.1 or hand-made HTTP/2 frames.
public final class TLSTestClient: Sendable {
    public let negotiatedProtocol: String?
    public let tlsVersion: TLSVersion?
    /// The DNS names of the certificate the server presented.
    public let peerNames: [String]
    private let channel: Channel
    private let group: MultiThreadedEventLoopGroup
    private let inbound: NIOLockedValueBox<[UInt8]>

    private init(channel: Channel, group: MultiThreadedEventLoopGroup, inbound: NIOLockedValueBox<[UInt8]>, negotiated: String?) throws {
        self.channel = channel
        self.group = group
        self.inbound = inbound
        self.negotiatedProtocol = negotiated
        let handler = try channel.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self)
        self.tlsVersion = handler.tlsVersion
        self.peerNames = handler.peerCertificate.map { certificate in
            certificate._subjectAlternativeNames().compactMap { name in
                name.nameType == .dnsName ? String(decoding: name.contents, as: UTF8.self) : nil
            }
        } ?? []
    }

    /// Connects and completes the handshake; throws when it fails.
    public static func connect(
        port: Int, serverName: String? = "localhost", alpn: [String] = ["http/1.1"],
        minimumVersion: TLSVersion = .tlsv12, maximumVersion: TLSVersion? = nil
    ) async throws -> TLSTestClient {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        configuration.applicationProtocols = alpn
        configuration.minimumTLSVersion = minimumVersion
        configuration.maximumTLSVersion = maximumVersion
        let context = try NIOSSLContext(configuration: configuration)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let inbound = NIOLockedValueBox<[UInt8]>([])
        let handshake = group.next().makePromise(of: String?.self)
        do {
            let channel = try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let tls = try NIOSSLClientHandler(context: context, serverHostname: serverName)
                        try channel.pipeline.syncOperations.addHandlers([tls, Collector(inbound: inbound, handshake: handshake)])
                    }
                }
                .connect(host: "127.0.0.1", port: port)
                .get()
            let negotiated = try await handshake.futureResult.get()
            return try await channel.eventLoop.submit {
                try TLSTestClient(channel: channel, group: group, inbound: inbound, negotiated: negotiated)
            }.get()
        } catch {
            handshake.fail(error)
            try? await group.shutdownGracefully()
            throw error
        }
    }

    public func send(_ bytes: [UInt8]) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    public func send(_ text: String) async throws {
        try await self.send(Array(text.utf8))
    }

    /// Everything received so far.
    public var received: [UInt8] { self.inbound.withLockedValue { $0 } }

    /// Waits until `condition` holds for what was received, or `timeout` passes.
    public func waitFor(_ timeout: Duration = .seconds(5), _ condition: ([UInt8]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(self.received) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(self.received)
    }

    /// Whether the server closed the connection within `timeout`.
    public func isClosed(within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !self.channel.isActive { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return !self.channel.isActive
    }

    public func close() async {
        try? await self.channel.close()
        try? await self.group.shutdownGracefully()
    }
}

/// Collects decrypted bytes; completes `handshake` with the negotiated protocol, or fails it.
private final class Collector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let inbound: NIOLockedValueBox<[UInt8]>
    private let handshake: EventLoopPromise<String?>

    init(inbound: NIOLockedValueBox<[UInt8]>, handshake: EventLoopPromise<String?>) {
        self.inbound = inbound
        self.handshake = handshake
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = self.unwrapInboundIn(data).readableBytesView
        self.inbound.withLockedValue { $0 += bytes }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted(let negotiated) = event { self.handshake.succeed(negotiated) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.handshake.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.handshake.fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }
}
