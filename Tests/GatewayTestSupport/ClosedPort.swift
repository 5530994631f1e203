import NIOCore
import NIOPosix

/// A 127.0.0.1 port that nothing listens on (bound, then closed), for a backend that refuses.
public func closedLoopbackPort() async throws -> Int {
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
