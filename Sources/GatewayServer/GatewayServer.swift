import CurlEngine
import GatewayConfig
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import VisibleLock

/// The client-facing HTTP/1.1 listener(s): accepts connections, applies the connection limit
/// and head timeouts, hands each exchange to a `ProxyHandler`, and drains them at shutdown.
public final class GatewayServer: Sendable {
    private let store: RouteTableStore
    private let engine: any UpstreamClient
    private let group: EventLoopGroup
    private let limiter: ConnectionLimiter
    private let listeners = Mutex<[Channel]>([])
    private let drainStarted = Atomic<Bool>(false)
    /// Access log and metrics of every request.
    public let telemetry: RequestTelemetry

    public init(store: RouteTableStore, engine: any UpstreamClient, group: EventLoopGroup, telemetry: RequestTelemetry) {
        self.store = store
        self.engine = engine
        self.group = group
        self.telemetry = telemetry
        self.limiter = ConnectionLimiter(store: store)
        self.packageJsonWatch = group.next().scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            // A stat per watched package.json; the file is read only when it changed.
            store.current.runtimes.refresh()
        }
    }

    private let packageJsonWatch: RepeatedTask

    /// Client connections currently open.
    public var openConnections: Int {
        self.limiter.open.load(ordering: .relaxed)
    }

    /// True from the start of `drain` on (`/readyz` answers 503).
    public var isDraining: Bool {
        self.drainStarted.load(ordering: .relaxed)
    }

    /// Binds one listener; returns its channel (whose `localAddress` has the real port).
    /// Limits are read per connection, so a reload's new limits apply to new connections.
    public func bind(_ address: ListenAddress) async throws -> Channel {
        let store = self.store
        let engine = self.engine
        let limiter = self.limiter
        let telemetry = self.telemetry
        let channel = try await ServerBootstrap(group: self.group)
            // A burst of connects must not overflow the accept queue: a dropped SYN costs the
            // client a 1 s (then 3 s) retransmit. Measured with 1,000 clients arriving while the
            // loop was busy: p99 3.4 s with a 1,024 backlog and 4 accepts per wakeup.
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.maxMessagesPerRead, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(limiter)
                }
            }
            // A TCP-level option: at the socket level, option 1 is SO_DEBUG, which only root may set.
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: false)
            // A connection whose client stops taking responses reads and starts nothing new
            // once this much waits to be written (SPEC §11: 256 KiB), and resumes below half.
            .childChannelOption(.writeBufferWaterMark, value: ChannelOptions.Types.WriteBufferWaterMark(low: 128 * 1024, high: 256 * 1024))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try Self.addConnectionHandlers(to: channel, store: store, engine: engine, telemetry: telemetry)
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
        self.listeners.withVisibleLock(at: lockAddress(of: self)) { $0.append(channel) }
        return channel
    }

    /// A client connection's pipeline: head timer, preflight fast lane, HTTP decoder, proxy.
    static func addConnectionHandlers(
        to channel: Channel, store: RouteTableStore, engine: any UpstreamClient, telemetry: RequestTelemetry
    ) throws {
        let limits = store.current.limits
        let timer = RequestHeadTimer(
            headerTimeout: .milliseconds(Int64(limits.headerTimeoutMs)),
            idleTimeout: .milliseconds(Int64(limits.idleTimeoutMs)),
            telemetry: telemetry
        )
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(timer)
        try sync.addHandler(PreflightFastLane(store: store, telemetry: telemetry, headTimer: timer))
        // The decoder alone: ProxyHandler queues pipelined requests and writes the response
        // bytes itself (ResponseWire), so NIO's pipelining handler and response encoder are
        // not in the pipeline. The gateway's own header values are validated when the config
        // loads, and backend header lines come parsed from curl (no CR, LF or NUL can survive
        // the line split).
        let decoder = NonUpgradingRequestDecoder(limits: Self.decoderLimits(for: limits))
        try sync.addHandler(ByteToMessageHandler(decoder))
        try sync.addHandler(ProxyHandler(store: store, upstream: engine, telemetry: telemetry, headTimer: timer, decoder: decoder))
    }

    /// Graceful shutdown (SPEC §8): stop accepting, close idle connections, let in-flight
    /// exchanges finish for up to `budget`, then answer what still waits with 503 `draining`
    /// and cut off the rest. Returns when every client connection is closed.
    public func drain(budget: TimeAmount) async {
        guard !self.drainStarted.exchange(true, ordering: .relaxed) else { return }
        self.packageJsonWatch.cancel()
        let listeners = self.listeners.withVisibleLock(at: lockAddress(of: self)) { $0 }
        for listener in listeners { try? await listener.close() }
        for channel in self.limiter.openChannels {
            channel.pipeline.fireUserInboundEventTriggered(DrainEvent.finishCurrentExchange)
        }
        if await self.waitForConnections(until: .now() + budget) { return }
        for channel in self.limiter.openChannels {
            channel.pipeline.fireUserInboundEventTriggered(DrainEvent.deadlineReached)
        }
        // The 503s are small; a client that does not read them in a second loses them.
        if await self.waitForConnections(until: .now() + .seconds(1)) { return }
        for channel in self.limiter.openChannels { try? await channel.close() }
    }

    /// Polls, since connections close on many event loops; true once none is open.
    private func waitForConnections(until deadline: NIODeadline) async -> Bool {
        while self.openConnections > 0 {
            if NIODeadline.now() >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// Stops background work without draining (tests that tear down their own listeners).
    public func stop() {
        self.packageJsonWatch.cancel()
    }

    /// The decoder guards memory with generous bounds; the exact SPEC limits (431) are checked
    /// on the parsed head, where the count and byte rules are ours.
    private static func decoderLimits(for limits: Limits) -> NIOHTTPDecoderLimitConfiguration {
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderListSize = limits.maxRequestHeaderBytes * 2 + 1024
        decoderLimits.maxHeaderFieldSize = limits.maxRequestHeaderBytes * 2 + 1024
        decoderLimits.maxHeaderFieldCount = limits.maxRequestHeaders * 2 + 8
        return decoderLimits
    }
}
