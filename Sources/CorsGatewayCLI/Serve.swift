import ArgumentParser
import CurlEngine
import Foundation
import GatewayConfig
import GatewayLogging
import GatewayMetrics
import GatewayServer
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// `cors-gateway serve`: runs the gateway until SIGINT or SIGTERM, then drains.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway (the default command).")

    @OptionGroup var options: ConfigOption

    @Option(name: .long, help: "curl threads (each owns a libcurl multi handle and its connection pool).")
    var curlThreads: Int = 1

    @Option(name: .long, help: "Event loop threads for client connections (default: the CPUs this process may use).")
    var eventLoops: Int?

    @Option(name: .long, help: "Log line format on stdout: logfmt or json.")
    var logFormat: LogFormat = .logfmt

    @Option(name: .long, help: "Lowest level logged: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Flag(name: .long, inversion: .prefixedNo, help: "One log line per request.")
    var accessLog = true

    @Flag(name: .long, inversion: .prefixedNo, help: "Reload when the config file changes (SIGHUP and POST /reload always work).")
    var watchConfig = true

    @Option(name: .long, help: "At SIGTERM/SIGINT, how long requests in flight may take to finish (milliseconds).")
    var drainTimeoutMs: Int = 25_000

    func validate() throws {
        guard self.curlThreads >= 1 else { throw ValidationError("--curl-threads must be at least 1") }
        guard (self.eventLoops ?? 1) >= 1 else { throw ValidationError("--event-loops must be at least 1") }
        guard self.drainTimeoutMs >= 0 else { throw ValidationError("--drain-timeout-ms must not be negative") }
    }

    func run() async throws {
        let output = LogLineWriter(fileDescriptor: STDOUT_FILENO)
        defer {
            // Every line reaches stdout before the process exits, unless nobody reads it.
            if output.flush(timeout: .seconds(5)) { output.shutdown() }
        }
        GatewayLogging.bootstrap(format: self.logFormat, level: self.logLevel, writer: output)
        let logger = Logger(label: "cors-gateway")

        let path = self.options.config
        let directory = ConfigOption.directory(of: path)
        let initial = ConfigReloader.initialLoad(path: path, configDirectory: directory)
        guard let snapshot = initial.snapshot, let config = initial.result.config else {
            FileHandle.standardError.write(Data(CheckReport(initial.result, file: path).text.utf8))
            throw ExitCode(1)
        }
        for warning in initial.result.warnings { logger.warning("config: \(warning)") }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: self.eventLoops ?? CPUAffinity.usableCores)
        let engine = CurlEngine(shards: self.curlThreads)
        let store = RouteTableStore(snapshot)
        let metrics = GatewayMetrics()
        let accessLog = LineLogger(label: "cors-gateway.access", format: self.logFormat, logLevel: self.logLevel, writer: output)
        let telemetry = RequestTelemetry(metrics: metrics, accessLog: self.accessLog ? accessLog : nil)
        let server = GatewayServer(store: store, engine: engine, group: group, telemetry: telemetry, configDirectory: directory)
        let reloader = ConfigReloader(
            path: path, configDirectory: directory, initial: initial, store: store, metrics: metrics,
            logger: Logger(label: "cors-gateway.reload")
        )
        let gateway = GatewayService(
            listen: config.listen,
            admin: config.adminAddress,
            probes: config.probesAddress,
            endpoints: AdminEndpoints(
                server: server, engine: engine, reloader: reloader, store: store, droppedLogLines: { output.droppedLines }),
            group: group,
            drainBudget: .milliseconds(Int64(self.drainTimeoutMs)),
            watchConfig: self.watchConfig,
            output: output,
            logger: logger
        )
        let services = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [
                .init(service: ReloadOnHangup(reloader: reloader)),
                .init(service: gateway, successTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await services.run()
        try await group.shutdownGracefully()
    }
}

extension LogFormat: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
