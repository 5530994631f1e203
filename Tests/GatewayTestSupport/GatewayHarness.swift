import CurlEngine
import Foundation
import GatewayConfig
import GatewayMetrics
import GatewayServer
import Logging
import NIOCore
import NIOPosix

/// A real gateway in process: the configuration parsed from gateway.json text, a real curl
/// engine, and a listener on 127.0.0.1 port 0.
public final class GatewayHarness: Sendable {
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(self.port)" }
    /// The port of each TLS listener in the config's `listen`, in order (SPEC §12).
    public let tlsPorts: [Int]
    public let engine: CurlEngine
    public let server: GatewayServer
    public let store: RouteTableStore
    /// Every access-log entry, in the order requests finished.
    public let accessLog: CapturedLines
    /// Every backend fault line.
    public let faultLog: CapturedLog
    public var metrics: GatewayMetrics { self.server.telemetry.metrics }
    /// The function backends' runtime handler versions in force.
    public var runtimes: BackendRuntimes { self.store.current.runtimes }
    private let group: MultiThreadedEventLoopGroup
    private let listeners: [Channel]

    private init(
        port: Int, tlsPorts: [Int], engine: CurlEngine, server: GatewayServer, store: RouteTableStore, accessLog: CapturedLines,
        faultLog: CapturedLog, group: MultiThreadedEventLoopGroup, listeners: [Channel]
    ) {
        self.tlsPorts = tlsPorts
        self.faultLog = faultLog
        self.port = port
        self.engine = engine
        self.server = server
        self.store = store
        self.accessLog = accessLog
        self.group = group
        self.listeners = listeners
    }

    public static func start(config json: String) async throws -> GatewayHarness {
        var result = ConfigLoader.parse(data: Array(json.utf8))
        // Relative package.json paths resolve against the working directory, as for a file there.
        guard let snapshot = GatewaySnapshot.resolve(&result, configDirectory: FileManager.default.currentDirectoryPath) else {
            throw GatewayHarnessError.invalidConfig(result.allErrors.map(\.description))
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let engine = CurlEngine()
        let store = RouteTableStore(snapshot)
        let accessLog = CapturedLines()
        let faultLog = CapturedLog()
        let telemetry = RequestTelemetry(
            metrics: GatewayMetrics(),
            accessLog: accessLog.logger,
            faults: Logger(label: "upstream", factory: faultLog.handler)
        )
        let server = GatewayServer(
            store: store, engine: engine, group: group, telemetry: telemetry,
            configDirectory: FileManager.default.currentDirectoryPath)
        do {
            // A plain listener on a fresh port, whatever `listen` says, and each TLS one it lists.
            let listener = try await server.bind(ListenAddress(host: "127.0.0.1", port: 0))
            var tlsListeners: [Channel] = []
            for (index, entry) in snapshot.listen.enumerated() where entry.tls != nil {
                tlsListeners.append(try await server.bind(entry, index: index))
            }
            return GatewayHarness(
                port: listener.localAddress!.port!, tlsPorts: tlsListeners.map { $0.localAddress!.port! }, engine: engine,
                server: server, store: store, accessLog: accessLog, faultLog: faultLog, group: group,
                listeners: [listener] + tlsListeners
            )
        } catch {
            server.stop()
            engine.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    public func shutdown() async throws {
        self.server.stop()
        // A drain closes them first.
        for listener in self.listeners where listener.isActive { try await listener.close() }
        self.engine.shutdown()
        try await self.group.shutdownGracefully()
    }

    /// The current metrics, parsed from their Prometheus text.
    public func scrape() throws -> Exposition {
        try Exposition(parsing: self.metrics.exposition(
            openConnections: self.server.openConnections, transfersInFlight: self.engine.transfersInFlight))
    }

    /// Polls `condition` every 10 ms until it holds or `timeout` passes.
    public func eventually(_ timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}

public enum GatewayHarnessError: Error, CustomStringConvertible {
    case invalidConfig([String])

    public var description: String {
        switch self {
        case .invalidConfig(let errors): "gateway config rejected: \(errors.joined(separator: "; "))"
        }
    }
}
