import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A loopback server whose CORS answers are scripted per path: `/case/<name>` answers an OPTIONS
/// with the behaviour's `preflight` reply and anything else with its `actual` reply, header
/// lines exactly as listed (duplicates included). In header values `{origin}` stands for the
/// request's Origin and `{port}` for the server's port. Every request is recorded.
final class CORSBehaviourServer: Sendable {
    struct Reply: Sendable {
        var status: Int
        var headers: [(String, String)]

        init(_ status: Int = 200, _ headers: [(String, String)] = []) {
            self.status = status
            self.headers = headers
        }
    }

    struct Behaviour: Sendable {
        var preflight: Reply
        var actual: Reply
    }

    struct Recorded: Sendable {
        var method: String
        var path: String
        var headers: [(String, String)]

        func value(_ name: String) -> String? {
            self.headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let state: BehaviourState

    var baseURL: String { "http://127.0.0.1:\(self.port)" }
    var recorded: [Recorded] { self.state.recorded.withLock { $0 } }

    private init(port: Int, group: MultiThreadedEventLoopGroup, channel: any Channel, state: BehaviourState) {
        self.port = port
        self.group = group
        self.channel = channel
        self.state = state
    }

    static func start(behaviours: [String: Behaviour]) async throws -> CORSBehaviourServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let state = BehaviourState(behaviours: behaviours)
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(BehaviourHandler(state: state))
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
            let port = channel.localAddress!.port!
            state.port.withLock { $0 = port }
            return CORSBehaviourServer(port: port, group: group, channel: channel, state: state)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    func shutdown() async {
        try? await self.channel.close()
        try? await self.group.shutdownGracefully()
    }
}

private final class BehaviourState: Sendable {
    let behaviours: [String: CORSBehaviourServer.Behaviour]
    let recorded = Mutex<[CORSBehaviourServer.Recorded]>([])
    let port = Mutex(0)

    init(behaviours: [String: CORSBehaviourServer.Behaviour]) { self.behaviours = behaviours }

    func reply(to head: HTTPRequestHead) -> CORSBehaviourServer.Reply {
        let path = String(head.uri.prefix { $0 != "?" })
        self.recorded.withLock {
            $0.append(.init(method: head.method.rawValue, path: path, headers: head.headers.map { ($0.name, $0.value) }))
        }
        guard path.hasPrefix("/case/"), let behaviour = self.behaviours[String(path.dropFirst("/case/".count))] else {
            return .init(404)
        }
        let template = head.method == .OPTIONS ? behaviour.preflight : behaviour.actual
        let origin = head.headers.first(name: "Origin") ?? ""
        let port = String(self.port.withLock { $0 })
        return .init(
            template.status,
            template.headers.map { name, value in
                (name, value.replacingOccurrences(of: "{origin}", with: origin).replacingOccurrences(of: "{port}", with: port))
            })
    }
}

private final class BehaviourHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: BehaviourState
    private var head: HTTPRequestHead? = nil

    init(state: BehaviourState) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head = self.head else { return }
            let reply = self.state.reply(to: head)
            var headers = HTTPHeaders(reply.headers)
            let body = reply.status == 204 || head.method == .HEAD ? "" : "case body"
            if reply.status != 204 { headers.add(name: "Content-Length", value: String(body.utf8.count)) }
            headers.add(name: "Cache-Control", value: "no-store")
            if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
            let status = HTTPResponseStatus(statusCode: reply.status)
            context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            if !body.isEmpty {
                var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
                buffer.writeString(body)
                context.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            }
            let keepAlive = head.isKeepAlive
            let channel = context.channel
            context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { channel.close(promise: nil) }
            }
            self.head = nil
        }
    }
}
