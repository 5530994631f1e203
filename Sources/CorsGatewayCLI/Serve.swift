import ArgumentParser
import CurlEngine
import Foundation
import GatewayConfig
import GatewayServer
import Logging
import NIOCore
import NIOPosix
import UnixSignals

/// `cors-gateway serve`: runs the gateway until SIGINT or SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway (the default command).")

    @OptionGroup var options: ConfigOption

    @Option(name: .long, help: "curl threads (each owns a libcurl multi handle and its connection pool).")
    var curlThreads: Int = 1

    func run() async throws {
        let logger = Logger(label: "cors-gateway")
        // Trap before listening, so an early SIGTERM still shuts down cleanly.
        let terminationSignals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        var result = ConfigLoader.load(contentsOf: self.options.config)
        let directory = ConfigOption.directory(of: self.options.config)
        guard let snapshot = GatewaySnapshot.resolve(&result, configDirectory: directory), let config = result.config else {
            FileHandle.standardError.write(Data(CheckReport(result, file: self.options.config).text.utf8))
            throw ExitCode(1)
        }
        for warning in result.warnings { logger.warning("config: \(warning)") }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let engine = CurlEngine(shards: self.curlThreads)
        let store = RouteTableStore(snapshot)
        let server = GatewayServer(store: store, engine: engine, group: group)

        var listeners: [Channel] = []
        for text in config.listen {
            guard let address = ListenAddress(text) else { continue }  // validated by the loader
            let channel = try await server.bind(address)
            listeners.append(channel)
            // Tests and scripts read this line to learn the port when listening on port 0.
            let line = "listening on \(Self.describe(channel.localAddress) ?? text)\n"
            FileHandle.standardOutput.write(Data(line.utf8))  // unbuffered, even into a pipe
        }

        for await _ in terminationSignals { break }
        logger.info("shutting down")
        server.stop()
        for channel in listeners { try? await channel.close() }
        engine.shutdown()
        try await group.shutdownGracefully()
    }

    /// "127.0.0.1:8080" or "[::1]:8080".
    private static func describe(_ address: SocketAddress?) -> String? {
        guard let address, let ip = address.ipAddress, let port = address.port else { return nil }
        if case .v6 = address { return "[\(ip)]:\(port)" }
        return "\(ip):\(port)"
    }
}
