import NIOCore
import NIOHTTP1
import NIOPosix

/// One demo function service, modelled on a Twilio Functions service, listening for HTTP/1.1.
///
/// The service answers the same whatever its runtime handler version: `runtimeHandler` is only
/// a label in its answers. Header and cookie stripping for handlers below 1.2.0 is the
/// gateway's job (SPEC §5), and the label lets a user see which kind of backend they reached.
public actor DemoFunctionServer {
    /// Service name shown in answers, e.g. `modern` or `classic`.
    nonisolated public let name: String
    /// Runtime handler version shown in answers, e.g. `2.1.2` or `classic`.
    nonisolated public let runtimeHandler: String
    nonisolated public let host: String
    /// The port asked for; 0 lets the kernel choose (see ``boundPort``).
    nonisolated public let port: Int

    private enum State {
        case idle
        case starting
        case running(group: MultiThreadedEventLoopGroup, channel: any Channel)
        case stopped
    }

    private var state = State.idle

    public init(name: String, runtimeHandler: String, host: String = "127.0.0.1", port: Int = 0) {
        self.name = name
        self.runtimeHandler = runtimeHandler
        self.host = host
        self.port = port
    }

    /// The port the service listens on while running.
    public var boundPort: Int? {
        guard case .running(_, let channel) = self.state else { return nil }
        return channel.localAddress?.port
    }

    /// Starts listening and returns the bound port.
    @discardableResult
    public func start() async throws -> Int {
        guard case .idle = self.state else { throw DemoFunctionServerError.alreadyStarted(name: self.name) }
        self.state = .starting
        // A group of its own: shutting it down closes every connection, even mid-`/slow`.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let function = DemoFunction(service: self.name, runtimeHandler: self.runtimeHandler)
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(FunctionChannelHandler(function: function))
                    }
                }
                .bind(host: self.host, port: self.port)
                .get()
            self.state = .running(group: group, channel: channel)
            return channel.localAddress?.port ?? self.port
        } catch {
            self.state = .stopped
            try? await group.shutdownGracefully()
            throw DemoFunctionServerError.cannotListen(
                name: self.name, host: self.host, port: self.port, reason: "\(error)")
        }
    }

    /// Stops listening and closes all connections, including ones waiting in `/slow`.
    public func shutdown() async throws {
        guard case .running(let group, let channel) = self.state else { return }
        self.state = .stopped
        try? await channel.close()
        try await group.shutdownGracefully()
    }
}

public enum DemoFunctionServerError: Error, CustomStringConvertible {
    case alreadyStarted(name: String)
    case cannotListen(name: String, host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case .alreadyStarted(let name):
            "\(name): already started"
        case .cannotListen(let name, let host, let port, let reason):
            "\(name): cannot listen on \(host):\(port): \(reason)"
        }
    }
}
