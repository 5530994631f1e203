import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The "app origin": a loopback HTTP server that serves one HTML page (whatever ``page`` holds)
/// at every path except the two the page reports to:
///
/// - `GET /result?<percent-encoded JSON>`: one scenario's outcome, recorded in arrival order;
/// - `GET /done?<run>`: the page finished every scenario.
///
/// Reports are same-origin requests, so CORS never gets in their way, and they arrive while the
/// page runs: a scenario that hangs still leaves the earlier results behind.
final class PageServer: Sendable {
    struct State {
        var page = "<!doctype html><title>empty</title>"
        var reports: [String] = []
        var finishedRuns: Set<String> = []
        var requestLog: [String] = []
    }

    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let state: PageState

    private init(port: Int, group: MultiThreadedEventLoopGroup, channel: any Channel, state: PageState) {
        self.port = port
        self.group = group
        self.channel = channel
        self.state = state
    }

    /// `http://<host>:<port>`; `127.0.0.1` and `localhost` are two different origins for a browser.
    func origin(host: String = "127.0.0.1") -> String { "http://\(host):\(self.port)" }

    static func start() async throws -> PageServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let state = PageState()
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(PageHandler(state: state))
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
            return PageServer(port: channel.localAddress!.port!, group: group, channel: channel, state: state)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    func shutdown() async {
        try? await self.channel.close()
        try? await self.group.shutdownGracefully()
    }

    /// Replaces the page and forgets earlier reports.
    func serve(page: String) {
        self.state.state.withLock {
            $0.page = page
            $0.reports = []
        }
    }

    var reports: [String] { self.state.state.withLock { $0.reports } }
    var requestLog: [String] { self.state.state.withLock { $0.requestLog } }
    func finished(run: String) -> Bool { self.state.state.withLock { $0.finishedRuns.contains(run) } }
}

/// What the page server serves and what it was told, shared by its connection handlers.
private final class PageState: Sendable {
    let state = Mutex(PageServer.State())

    /// Answers one request: status, content type and body.
    func handle(uri: String) -> (status: HTTPResponseStatus, contentType: String, body: String) {
        self.state.withLock { state in
            state.requestLog.append(uri)
            let (path, query) = splitQuery(uri)
            switch path {
            case "/result":
                state.reports.append(query)
                return (.noContent, "text/plain", "")
            case "/done":
                state.finishedRuns.insert(query)
                return (.noContent, "text/plain", "")
            case "/favicon.ico":
                return (.notFound, "text/plain", "")
            default:
                return (.ok, "text/html; charset=utf-8", state.page)
            }
        }
    }
}

private func splitQuery(_ uri: String) -> (String, String) {
    guard let mark = uri.firstIndex(of: "?") else { return (uri, "") }
    return (String(uri[..<mark]), String(uri[uri.index(after: mark)...]))
}

private final class PageHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: PageState
    private var uri = "/"
    private var keepAlive = true

    init(state: PageState) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.uri = head.uri
            self.keepAlive = head.isKeepAlive
        case .body:
            break
        case .end:
            let answer = self.state.handle(uri: self.uri)
            var buffer = context.channel.allocator.buffer(capacity: answer.body.utf8.count)
            buffer.writeString(answer.body)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: answer.contentType)
            headers.add(name: "Cache-Control", value: "no-store")
            if answer.status != .noContent {
                headers.add(name: "Content-Length", value: String(buffer.readableBytes))
            }
            if !self.keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: answer.status, headers: headers))), promise: nil)
            if buffer.readableBytes > 0 {
                context.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            }
            let channel = context.channel
            let keepAlive = self.keepAlive
            context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { channel.close(promise: nil) }
            }
        }
    }
}
