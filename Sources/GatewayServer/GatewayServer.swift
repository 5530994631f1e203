import CurlEngine
import GatewayConfig
import NIOCore
import NIOHTTP1
import NIOPosix

/// The client-facing HTTP/1.1 listener(s): accepts connections, applies the connection limit
/// and head timeouts, and hands each exchange to a `ProxyHandler`.
public final class GatewayServer: Sendable {
    private let store: RouteTableStore
    private let engine: CurlEngine
    private let group: EventLoopGroup
    private let limiter: ConnectionLimiter
    /// Stripped headers and rewritten or dropped cookies, for metrics.
    public let counters = GatewayCounters()

    /// Connection-level settings are read once, at start: limits that change later apply to
    /// requests (through the store) but not to connections already accepted.
    public init(store: RouteTableStore, engine: CurlEngine, group: EventLoopGroup) {
        self.store = store
        self.engine = engine
        self.group = group
        self.limiter = ConnectionLimiter(limit: store.current.limits.maxConnections)
        self.packageJsonWatch = group.next().scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            // A stat per watched package.json; the file is read only when it changed.
            store.current.runtimes.refresh()
        }
    }

    private let packageJsonWatch: RepeatedTask

    /// Stops watching package.json files (the listeners are closed by their channels).
    public func stop() {
        self.packageJsonWatch.cancel()
    }

    /// Client connections currently open.
    public var openConnections: Int {
        self.limiter.open.load(ordering: .relaxed)
    }

    /// Binds one listener; returns its channel (whose `localAddress` has the real port).
    public func bind(_ address: ListenAddress) async throws -> Channel {
        let store = self.store
        let engine = self.engine
        let limiter = self.limiter
        let counters = self.counters
        let limits = store.current.limits
        let decoderLimits = Self.decoderLimits(for: limits)
        return try await ServerBootstrap(group: self.group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(limiter)
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: false)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let timer = RequestHeadTimer(
                        headerTimeout: .milliseconds(Int64(limits.headerTimeoutMs)),
                        idleTimeout: .milliseconds(Int64(limits.idleTimeoutMs))
                    )
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(timer)
                    try sync.configureHTTPServerPipeline(
                        withPipeliningAssistance: true,
                        withErrorHandling: false,
                        withEncoderConfiguration: Self.encoderConfiguration,
                        withDecoderLimitConfiguration: decoderLimits
                    )
                    try sync.addHandler(ProxyHandler(store: store, engine: engine, counters: counters, headTimer: timer))
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
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

    /// The gateway frames responses itself: NIO would strip the `Content-Length: 0` that
    /// SPEC §4 puts on a 204 preflight answer.
    private static let encoderConfiguration: HTTPResponseEncoder.Configuration = {
        var configuration = HTTPResponseEncoder.Configuration()
        configuration.automaticallySetFramingHeaders = false
        return configuration
    }()
}
