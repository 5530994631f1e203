import CurlEngine
import GatewayConfig
import GatewayMetrics
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
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
    /// Relative certificate paths are read against this (the config file's directory).
    private let configDirectory: String
    private let tlsListeners = EdgeTLSListeners()
    /// Access log and metrics of every request.
    public let telemetry: RequestTelemetry

    public init(
        store: RouteTableStore, engine: any UpstreamClient, group: EventLoopGroup, telemetry: RequestTelemetry,
        configDirectory: String = "."
    ) {
        self.store = store
        self.engine = engine
        self.group = group
        self.telemetry = telemetry
        self.configDirectory = configDirectory
        self.limiter = ConnectionLimiter(store: store)
        let tlsListeners = self.tlsListeners
        self.fileWatch = group.next().scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            // A stat per watched package.json and certificate file; a file is read only when it changed.
            let snapshot = store.current
            snapshot.runtimes.refresh()
            for listener in tlsListeners.all {
                Self.refresh(listener, listen: snapshot.listen, metrics: telemetry.metrics)
            }
        }
    }

    private let fileWatch: RepeatedTask

    /// Client connections currently open.
    public var openConnections: Int {
        self.limiter.open.load(ordering: .relaxed)
    }

    /// True from the start of `drain` on (`/readyz` answers 503).
    public var isDraining: Bool {
        self.drainStarted.load(ordering: .relaxed)
    }

    /// Binds a plain HTTP/1.1 listener.
    public func bind(_ address: ListenAddress) async throws -> Channel {
        try await self.bind(ListenEntry(address: address.description), index: 0)
    }

    /// Binds `listen[index]`; returns its channel (whose `localAddress` has the real port).
    /// Limits are read per connection, so a reload's new limits apply to new connections. A
    /// TLS listener's certificates are read here; problems throw `ConfigIssues`.
    public func bind(_ entry: ListenEntry, index: Int) async throws -> Channel {
        guard let address = entry.listenAddress else {
            throw ConfigIssues([ConfigIssue(path: "listen[\(index)]", message: "not a \"host:port\" address")])
        }
        let store = self.store
        let engine = self.engine
        let limiter = self.limiter
        let telemetry = self.telemetry
        let tls = try entry.tls.map { settings throws(ConfigIssues) in
            try EdgeTLSListener(address: entry.address, index: index, settings: settings, directory: self.configDirectory)
        }
        if let tls {
            self.tlsListeners.add(tls)
            for (subject, notAfter) in tls.expiries {
                telemetry.metrics.setCertificateExpiry(listener: tls.address, subject: subject, notAfter: notAfter)
            }
        }
        let listenerName = entry.address
        let channel = try await ServerBootstrap(group: self.group)
            // A burst of connects must not overflow the accept queue: a dropped SYN costs the
            // client a 1 s (then 3 s) retransmit. Measured with 1,000 clients arriving while the
            // loop was busy: p99 3.4 s with a 1,024 backlog and 4 accepts per wakeup.
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.maxMessagesPerRead, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptPause())
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
                    if let tls {
                        try EdgeTLSPipeline.configure(channel, .init(store: store, engine: engine, telemetry: telemetry, listener: tls))
                    } else {
                        telemetry.metrics.recordConnection(listener: listenerName, protocolName: "http/1.1", tls: false)
                        try Self.addConnectionHandlers(to: channel, store: store, engine: engine, telemetry: telemetry)
                    }
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
        self.listeners.withVisibleLock(at: lockAddress(of: self)) { $0.append(channel) }
        return channel
    }

    /// A client connection's pipeline: head timer, preflight fast lane, HTTP decoder, proxy.
    static func addConnectionHandlers(
        to channel: Channel, store: RouteTableStore, engine: any UpstreamClient, telemetry: RequestTelemetry,
        scheme: String = "http"
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
        try sync.addHandler(ProxyHandler(
            store: store, upstream: engine, telemetry: telemetry, headTimer: timer, decoder: decoder, scheme: scheme))
    }

    /// A TLS listener's certificates after a reload or a change on disk (SPEC §12): applied,
    /// or refused with the running pair kept, logged and counted.
    private static func refresh(_ listener: EdgeTLSListener, listen: [ListenEntry], metrics: GatewayMetrics) {
        guard let settings = listener.settings(in: listen) else { return }
        switch listener.refresh(to: settings) {
        case .unchanged:
            return
        case .applied:
            metrics.recordCertificateReload(listener: listener.address, applied: true)
            for (subject, notAfter) in listener.expiries {
                metrics.setCertificateExpiry(listener: listener.address, subject: subject, notAfter: notAfter)
            }
            Self.logger.info("certificates reloaded", metadata: ["listener": "\(listener.address)"])
        case .rejected(let problems):
            metrics.recordCertificateReload(listener: listener.address, applied: false)
            Self.logger.error("certificates not reloaded; the previous ones stay in use", metadata: [
                "listener": "\(listener.address)", "errors": "\(problems.map(\.description).joined(separator: "; "))",
            ])
        }
    }

    private static let logger = Logger(label: "cors-gateway.tls")

    /// Each TLS listener as `/config` shows it.
    public var tlsStatus: [JSONValue] {
        self.tlsListeners.all.map(\.status)
    }

    /// Graceful shutdown (SPEC §8): stop accepting, close idle connections, let in-flight
    /// exchanges finish for up to `budget`, then answer what still waits with 503 `draining`
    /// and cut off the rest. Returns when every client connection is closed.
    public func drain(budget: TimeAmount) async {
        guard !self.drainStarted.exchange(true, ordering: .relaxed) else { return }
        self.fileWatch.cancel()
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
        self.fileWatch.cancel()
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
