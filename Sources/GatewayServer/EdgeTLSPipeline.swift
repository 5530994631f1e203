import CurlEngine
import GatewayConfig
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL
import NIOTLS

/// A TLS listener's connection pipeline (SPEC §12): the client's server name picks the
/// certificate (SNI), the handshake is bounded and counted, then ALPN picks HTTP/2 (one
/// `ProxyHandler` per stream) or HTTP/1.1 (the plain listener's handlers, over TLS).
enum EdgeTLSPipeline {
    struct Parts {
        let store: RouteTableStore
        let engine: any UpstreamClient
        let telemetry: RequestTelemetry
        let listener: EdgeTLSListener
    }

    /// At accept: [SNI, handshake watch, ALPN]; the TLS handler goes in after SNI once the
    /// client hello has named a server.
    static func configure(_ channel: Channel, _ parts: Parts) throws {
        let limits = parts.store.current.limits
        let listenerName = parts.listener.address
        let metrics = parts.telemetry.metrics
        let watch = TLSHandshakeWatch(timeout: .milliseconds(Int64(limits.headerTimeoutMs))) {
            metrics.recordTLSHandshakeFailure(listener: listenerName)
        }
        let alpn = ApplicationProtocolNegotiationHandler { result, channel in
            channel.eventLoop.makeCompletedFuture {
                try Self.negotiated(result, channel: channel, parts)
            }
        }
        let sync = channel.pipeline.syncOperations
        let sni = ByteToMessageHandler(SNIHandler { result in
            channel.eventLoop.makeCompletedFuture {
                let serverName: String? = if case .hostname(let name) = result { name } else { nil }
                let tls = NIOSSLServerHandler(context: parts.listener.context(for: serverName))
                try channel.pipeline.syncOperations.addHandler(tls, position: .before(watch))
            }
        })
        try sync.addHandlers([sni, watch, alpn])
    }

    private static func negotiated(_ result: ALPNResult, channel: Channel, _ parts: Parts) throws {
        let offered = parts.listener.settings.alpn
        let protocolName: String
        switch result {
        case .negotiated("h2") where offered.contains(.h2):
            protocolName = "h2"
            try Self.addHTTP2Handlers(to: channel, parts)
        case .negotiated("http/1.1") where offered.contains(.http1_1), .fallback where offered.contains(.http1_1):
            protocolName = "http/1.1"
            try GatewayServer.addConnectionHandlers(
                to: channel, store: parts.store, engine: parts.engine, telemetry: parts.telemetry, scheme: "https")
        default:
            channel.close(promise: nil)  // a protocol this listener does not speak
            return
        }
        parts.telemetry.metrics.recordConnection(listener: parts.listener.address, protocolName: protocolName, tls: true)
    }

    /// HTTP/2 settings and defences (SPEC §12): 100 concurrent streams; nio-http2's own
    /// limits end a connection with GOAWAY on rapid resets (CVE-2023-44487), CONTINUATION
    /// floods and other abuse; `h2c` upgrades never happen (HTTP/2 only after ALPN).
    static func connectionConfiguration(limits: Limits) -> NIOHTTP2Handler.ConnectionConfiguration {
        var configuration = NIOHTTP2Handler.ConnectionConfiguration()
        configuration.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: 100),
            HTTP2Setting(parameter: .maxHeaderListSize, value: limits.maxRequestHeaderBytes * 2 + 1024),
            HTTP2Setting(parameter: .initialWindowSize, value: 65535),
        ]
        return configuration
    }

    /// [drain relay, HTTP/2 framing, connection manager, preflight lane, flush coalescer,
    /// stream multiplexer, error close]. The lane must see each stream's HEADERS before a
    /// stream channel is made for it, so the multiplexer is the connection-level one, not
    /// nio-http2's inline one (which makes the channel inside `NIOHTTP2Handler`).
    private static func addHTTP2Handlers(to channel: Channel, _ parts: Parts) throws {
        let limits = parts.store.current.limits
        let streamSettings = NIOHTTP2Handler.StreamConfiguration()
        let http2 = NIOHTTP2Handler(
            mode: .server, connectionConfiguration: Self.connectionConfiguration(limits: limits), streamConfiguration: streamSettings)
        // It counts open streams from the stream events `NIOHTTP2Handler` sends down the pipeline.
        let management = NIOHTTP2ServerConnectionManagementHandler(
            eventLoop: channel.eventLoop,
            configuration: .init(
                maxIdleTime: .milliseconds(Int64(limits.idleTimeoutMs)), maxAge: nil, maxGraceTime: .seconds(1), keepalive: nil))
        let streams = HTTP2StreamRegistry()
        let multiplexer = HTTP2StreamMultiplexer(
            mode: .server, channel: channel, targetWindowSize: streamSettings.targetWindowSize,
            outboundBufferSizeHighWatermark: streamSettings.outboundBufferSizeHighWatermark,
            outboundBufferSizeLowWatermark: streamSettings.outboundBufferSizeLowWatermark
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                streams.add(stream)
                let streamSync = stream.pipeline.syncOperations
                try streamSync.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                try streamSync.addHandler(ProxyHandler(
                    store: parts.store, upstream: parts.engine, telemetry: parts.telemetry, headTimer: nil, wire: .http2, scheme: "https"))
            }
        }
        // The drain relay goes in front of the HTTP/2 handler: a drain comes from the server
        // at the pipeline's head, and that way the two stream events of every stream, which
        // start at the HTTP/2 handler, are not cast to a `DrainEvent` on their way.
        let sync = channel.pipeline.syncOperations
        try sync.addHandlers([
            HTTP2DrainRelay(streams: streams), http2, management, HTTP2PreflightLane(store: parts.store, telemetry: parts.telemetry),
            HTTP2FlushCoalescer(), multiplexer, HTTP2ConnectionErrorClose(),
        ])
    }
}
