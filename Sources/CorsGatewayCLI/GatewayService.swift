import CurlEngine
import Foundation
import GatewayConfig
import GatewayLogging
import GatewayServer
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// The gateway's lifetime: bind, serve until graceful shutdown, then drain in order (SPEC §8):
/// stop accepting and turn `/readyz` 503, let requests in flight finish within the budget,
/// close the admin and probes listeners, and shut the curl engine down last, once no transfer needs it.
struct GatewayService: Service {
    let listen: [ListenEntry]
    let admin: ListenAddress?
    let probes: ListenAddress?
    let endpoints: AdminEndpoints
    let group: EventLoopGroup
    let drainBudget: TimeAmount
    let watchConfig: Bool
    let output: LogLineWriter
    let logger: Logger

    func run() async throws {
        let server = self.endpoints.server
        for (index, entry) in self.listen.enumerated() {
            let channel = try await server.bind(entry, index: index)
            // Tests and scripts read this line to learn the port when listening on port 0.
            let kind = entry.tls == nil ? "" : "tls "
            self.output.write("\(kind)listening on \(Self.describe(channel.localAddress) ?? entry.address)")
        }
        var adminChannel: Channel?
        if let admin = self.admin {
            let channel = try await AdminServer.bind(admin, endpoints: self.endpoints, group: self.group)
            adminChannel = channel
            self.output.write("admin listening on \(Self.describe(channel.localAddress) ?? "\(admin)")")
        }
        var probesChannel: Channel?
        if let probes = self.probes {
            let channel = try await AdminServer.bind(probes, endpoints: self.endpoints, group: self.group, surface: .probes)
            probesChannel = channel
            self.output.write("probes listening on \(Self.describe(channel.localAddress) ?? "\(probes)")")
        }
        self.output.flush()
        let reloader = self.endpoints.reloader
        let watch = self.watchConfig ? Task { await ConfigFileWatch(reloader: reloader).run() } : nil

        try? await gracefulShutdown()

        self.logger.info("draining", metadata: [
            "open_connections": .stringConvertible(server.openConnections),
            "budget_ms": .stringConvertible(self.drainBudget.nanoseconds / 1_000_000),
        ])
        watch?.cancel()
        await server.drain(budget: self.drainBudget)
        // Both stay up through the drain, so `/readyz` answers 503 rather than refusing.
        try? await adminChannel?.close()
        try? await probesChannel?.close()
        self.endpoints.engine.shutdown()
        self.logger.info("stopped")
    }

    /// "127.0.0.1:8080" or "[::1]:8080".
    private static func describe(_ address: SocketAddress?) -> String? {
        guard let address, let ip = address.ipAddress, let port = address.port else { return nil }
        if case .v6 = address { return "[\(ip)]:\(port)" }
        return "\(ip):\(port)"
    }
}

/// SIGHUP: a full re-read of the config file (SPEC §9).
struct ReloadOnHangup: Service {
    let reloader: ConfigReloader

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            let reloader = self.reloader
            // The reload reads files: keep it off the cooperative pool.
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().async {
                    reloader.reload(trigger: .signal)
                    done.resume()
                }
            }
        }
    }
}
