import CurlEngine
import Dispatch
import GatewayConfig
import GatewayMetrics
import GatewayPolicy
import NIOCore
import NIOHTTP1
import NIOPosix

/// What the admin API reports on and acts on.
public struct AdminEndpoints: Sendable {
    public let server: GatewayServer
    public let engine: CurlEngine
    public let reloader: ConfigReloader
    public let store: RouteTableStore
    /// Log lines the process's log writer dropped so far (stdout stalled or failed).
    public let droppedLogLines: @Sendable () -> Int

    public init(
        server: GatewayServer, engine: CurlEngine, reloader: ConfigReloader, store: RouteTableStore,
        droppedLogLines: @escaping @Sendable () -> Int = { 0 }
    ) {
        self.server = server
        self.engine = engine
        self.reloader = reloader
        self.store = store
        self.droppedLogLines = droppedLogLines
    }

    var metrics: GatewayMetrics { server.telemetry.metrics }
}

/// Which of the admin endpoints a listener answers.
public enum AdminSurface: Sendable {
    /// All of them (SPEC §8), the running config and reloads included: no authentication, so
    /// bind it to loopback (the default) and never expose it.
    case admin
    /// `/healthz`, `/readyz` and `/metrics` only (SPEC §14): read-only and safe on a pod's
    /// address for a kubelet and Prometheus; `/config` and `/reload` are 404 there.
    case probes
}

/// The admin listener (SPEC §8): health, readiness, metrics, the running config and reloads;
/// and the probes listener (SPEC §14), the same handler answering only the first three.
public enum AdminServer {
    public static func bind(
        _ address: ListenAddress, endpoints: AdminEndpoints, group: EventLoopGroup, surface: AdminSurface = .admin
    ) async throws -> Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptPause())
                }
            }
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(AdminHandler(endpoints: endpoints, surface: surface))
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
    }
}

/// One admin request at a time per connection; bodies are ignored.
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let endpoints: AdminEndpoints
    private let surface: AdminSurface
    private var head: HTTPRequestHead?
    /// Reloads read files: they run here, never on an event loop.
    private static let reloadQueue = DispatchQueue(label: "cors-gateway.admin-reload")

    init(endpoints: AdminEndpoints, surface: AdminSurface) {
        self.endpoints = endpoints
        self.surface = surface
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head = self.head else { return }
            self.head = nil
            self.answer(head, context: context)
        }
    }

    private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = String(head.uri.prefix { $0 != "?" })
        let allowed: HTTPMethod
        switch path {
        case "/healthz", "/readyz", "/metrics": allowed = .GET
        case "/config" where self.surface == .admin: allowed = .GET
        case "/reload" where self.surface == .admin: allowed = .POST
        default:
            let message = self.surface == .admin ? "No admin endpoint at this path." : "No probe endpoint at this path."
            self.respond(404, json: #"{"error":"not_found","message":"\#(message)"}"#, head: head, context: context)
            return
        }
        guard head.method == allowed || (allowed == .GET && head.method == .HEAD) else {
            self.respond(405, json: #"{"error":"method_not_allowed","message":"Use \#(allowed.rawValue)."}"#, extra: [("Allow", allowed.rawValue)], head: head, context: context)
            return
        }
        let endpoints = self.endpoints
        switch path {
        case "/healthz":
            self.respond(200, json: #"{"status":"ok"}"#, head: head, context: context)
        case "/readyz":
            if endpoints.server.isDraining {
                let body = GatewayError.draining.jsonBody(requestId: RequestID.generate())
                self.respond(503, body: body, contentType: "application/json", head: head, context: context)
            } else {
                self.respond(200, json: #"{"status":"ready"}"#, head: head, context: context)
            }
        case "/metrics":
            let text = endpoints.metrics.exposition(
                openConnections: endpoints.server.openConnections,
                transfersInFlight: endpoints.engine.transfersInFlight,
                logLinesDropped: endpoints.droppedLogLines()
            )
            self.respond(200, body: text, contentType: GatewayMetrics.contentType, head: head, context: context)
        case "/config":
            let document = ConfigDocument.render(
                active: endpoints.reloader.active,
                lastReload: endpoints.reloader.lastReport,
                source: endpoints.reloader.path,
                runtimes: endpoints.store.current.runtimes,
                tls: endpoints.server.tlsStatus
            )
            self.respond(200, json: document.serialized(), head: head, context: context)
        default:  // POST /reload
            let loop = context.eventLoop
            let boxed = NIOLoopBound((self, context), eventLoop: loop)
            Self.reloadQueue.async {
                let report = endpoints.reloader.reload(trigger: .admin)
                loop.execute {
                    let (handler, context) = boxed.value
                    handler.respond(report.result == .rejected ? 422 : 200, json: report.jsonValue.serialized(), head: head, context: context)
                }
            }
        }
    }

    private func respond(_ status: Int, json: String, extra: [(String, String)] = [], head: HTTPRequestHead, context: ChannelHandlerContext) {
        self.respond(status, body: json + "\n", contentType: "application/json", extra: extra, head: head, context: context)
    }

    private func respond(
        _ status: Int, body: String, contentType: String, extra: [(String, String)] = [],
        head: HTTPRequestHead, context: ChannelHandlerContext
    ) {
        var headers = HTTPHeaders([("Content-Type", contentType), ("Cache-Control", "no-store")] + extra)
        let buffer = ByteBuffer(string: body)
        headers.add(name: "Content-Length", value: String(buffer.readableBytes))
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let response = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.write(self.wrapOutboundOut(.head(response)), promise: nil)
        if head.method != .HEAD { context.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil) }
        let done = context.writeAndFlush(self.wrapOutboundOut(.end(nil)))
        if !keepAlive { done.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
    }
}
