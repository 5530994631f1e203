import CurlEngine
import GatewayConfig
import GatewayServer
import NIOCore
import NIOPosix

/// A real gateway in process, configured from gateway.json text and listening on 127.0.0.1
/// port 0. A minimal copy of GatewayServerTests' `GatewayHarness` (test targets cannot import
/// each other).
final class GatewayFixture: Sendable {
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(self.port)" }
    private let engine: CurlEngine
    private let group: MultiThreadedEventLoopGroup
    private let listener: any Channel

    private init(port: Int, engine: CurlEngine, group: MultiThreadedEventLoopGroup, listener: any Channel) {
        self.port = port
        self.engine = engine
        self.group = group
        self.listener = listener
    }

    static func start(config json: String) async throws -> GatewayFixture {
        let result = ConfigLoader.parse(data: Array(json.utf8))
        guard result.isValid, let config = result.config, let table = result.table else {
            throw FixtureError.invalidConfig(result.allErrors.map(\.description))
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let engine = CurlEngine()
        let store = RouteTableStore(GatewaySnapshot(limits: config.limits, routes: table))
        let server = GatewayServer(store: store, engine: engine, group: group)
        do {
            let listener = try await server.bind(ListenAddress(host: "127.0.0.1", port: 0))
            return GatewayFixture(port: listener.localAddress!.port!, engine: engine, group: group, listener: listener)
        } catch {
            engine.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    func shutdown() async {
        try? await self.listener.close()
        self.engine.shutdown()
        try? await self.group.shutdownGracefully()
    }
}

enum FixtureError: Error, CustomStringConvertible {
    case invalidConfig([String])

    var description: String {
        switch self {
        case .invalidConfig(let errors): "gateway config rejected: \(errors.joined(separator: "; "))"
        }
    }
}

/// A 127.0.0.1 port that nothing listens on (bound, then closed), for a backend that refuses.
func closedLoopbackPort() async throws -> Int {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    do {
        let channel = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        try await group.shutdownGracefully()
        return port
    } catch {
        try? await group.shutdownGracefully()
        throw error
    }
}
