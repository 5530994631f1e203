import CurlEngine
import GatewayConfig
import GatewayServer
import GatewayTestSupport
import NIOCore
import NIOPosix
import Testing

/// A real gateway in process: the configuration parsed from JSON text, a real curl engine,
/// and a listener on 127.0.0.1 port 0.
final class GatewayHarness: Sendable {
    let port: Int
    let engine: CurlEngine
    let server: GatewayServer
    private let group: MultiThreadedEventLoopGroup
    private let listener: Channel

    private init(port: Int, engine: CurlEngine, server: GatewayServer, group: MultiThreadedEventLoopGroup, listener: Channel) {
        self.port = port
        self.engine = engine
        self.server = server
        self.group = group
        self.listener = listener
    }

    static func start(config json: String) async throws -> GatewayHarness {
        let result = ConfigLoader.parse(data: Array(json.utf8))
        guard result.isValid, let config = result.config, let table = result.table else {
            throw HarnessError.invalidConfig(result.allErrors.map(\.description))
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let engine = CurlEngine()
        let store = RouteTableStore(GatewaySnapshot(limits: config.limits, routes: table))
        let server = GatewayServer(store: store, engine: engine, group: group)
        let listener = try await server.bind(ListenAddress(host: "127.0.0.1", port: 0))
        return GatewayHarness(port: listener.localAddress!.port!, engine: engine, server: server, group: group, listener: listener)
    }

    func shutdown() async throws {
        try await self.listener.close()
        self.engine.shutdown()
        try await self.group.shutdownGracefully()
    }

    /// Polls `condition` every 10 ms until it holds or `timeout` passes.
    func eventually(_ timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}

enum HarnessError: Error {
    case invalidConfig([String])
}

/// gateway.json text for tests: one route `fn` with `pathPrefix` `/fn` (stripped) to one
/// backend, with overridable limits and backend settings.
enum TestConfig {
    static func single(
        backendURL: String,
        limits: String = "",
        backend: String = "",
        route: String = ""
    ) -> String {
        """
        {
          "listen": ["127.0.0.1:0"],
          "limits": { \(limits) },
          "backends": { "b": { "url": "\(backendURL)" \(backend.isEmpty ? "" : ", " + backend) } },
          "routes": [
            { "name": "fn", "match": { "pathPrefix": "/fn" }, "backend": "b",
              "rewrite": { "stripPrefix": "/fn" } \(route.isEmpty ? "" : ", " + route) }
          ]
        }
        """
    }
}

/// Starts a gateway in front of `backendURL`, runs `body`, and stops the gateway.
func withGateway(
    frontOf backendURL: String,
    limits: String = "",
    backend backendSettings: String = "",
    route: String = "",
    _ body: (GatewayHarness) async throws -> Void
) async throws {
    let gateway = try await GatewayHarness.start(
        config: TestConfig.single(backendURL: backendURL, limits: limits, backend: backendSettings, route: route)
    )
    do {
        try await body(gateway)
    } catch {
        try await gateway.shutdown()
        throw error
    }
    try await gateway.shutdown()
}

/// Starts a `TestBackend` and a gateway in front of it, runs `body`, and stops both.
func withGateway(
    limits: String = "",
    backend backendSettings: String = "",
    route: String = "",
    _ body: (GatewayHarness, TestBackend) async throws -> Void
) async throws {
    let backend = try await TestBackend.start()
    do {
        try await withGateway(frontOf: backend.baseURL, limits: limits, backend: backendSettings, route: route) {
            try await body($0, backend)
        }
    } catch {
        try await backend.shutdown()
        throw error
    }
    try await backend.shutdown()
}
