import NIOCore
import NIOHTTP1
import NIOPosix

/// An in-process HTTP/1.1 upstream on 127.0.0.1 (port chosen by the kernel) whose behaviour
/// is picked by the request path, for curl-engine and gateway end-to-end tests.
///
/// Every request is recorded (``requests``) as soon as its head arrives, with headers in wire
/// order and its body counted and checksummed as it streams in. Paths:
///
/// - `/echo…` (any method, any path starting `/echo`): reads the body and answers 200
///   `application/json`, an ``EchoReport`` of method, URI, headers, body size and checksum.
///   With request header `x-echo-body: 1` it instead streams the request body straight back
///   (Content-Length if the request had one, else chunked), pausing reads while the echoed
///   bytes cannot drain.
/// - `/bytes/N`: N bytes of ``patternByte(at:)`` with Content-Length, written in 64 KiB chunks
///   only while the socket is writable (``bytesServed`` shows how far a reader got);
///   `/bytes/N?chunked=1` frames the same body as chunked.
/// - `/silent`: reads the request and never answers, leaving the connection open.
/// - `/hangup-before-head`: closes the connection as soon as the request head is read.
/// - `/garbage`: writes the raw bytes `NOT HTTP\r\n\r\n`, then closes.
/// - `/fail-mid-body/N`: sends a head with Content-Length 2·N, N pattern bytes, then closes.
/// - `/slow-head/MS`: waits MS milliseconds, then answers 200 `slow\n`.
/// - `/status/CODE` (200–599): that status with an empty body (no framing headers for 204/304).
/// - `/headers?Name=value&…`: 200 with one response header line per query item, in order,
///   names and values percent-decoded (`?Set-Cookie=a%3D1&Set-Cookie=b%3D2`).
/// - `/no-read`: after the request head, never reads from the socket again and never answers;
///   ``uploadBytesRead`` counts the body bytes it did read before stopping.
/// - anything else: 404.
///
/// HEAD requests get the head the GET would have had, without a body. Connections are
/// keep-alive unless the request asks otherwise; pipelined requests are answered in order.
/// `Expect: 100-continue` is never answered, so a client that sends it waits for its own
/// timeout (curl: 1 s) before the body; an echo report shows whether the header arrived.
public final class TestBackend: Sendable {
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(self.port)" }

    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let recorder: TestBackendRecorder

    private init(group: MultiThreadedEventLoopGroup, serverChannel: any Channel, recorder: TestBackendRecorder) {
        self.group = group
        self.serverChannel = serverChannel
        self.recorder = recorder
        self.port = serverChannel.localAddress?.port ?? 0
    }

    /// Binds 127.0.0.1 on a free port and starts serving.
    public static func start() async throws -> TestBackend {
        // A group of its own: shutting it down closes every connection, however it was left.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let recorder = TestBackendRecorder()
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    let connection = recorder.connectionAccepted()
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(
                            TestBackendHandler(recorder: recorder, connection: connection))
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
            return TestBackend(group: group, serverChannel: channel, recorder: recorder)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Runs `body` with a started backend and shuts the backend down afterwards, also when
    /// `body` throws.
    public static func withStarted<Result>(_ body: (TestBackend) async throws -> Result) async throws -> Result {
        let backend = try await TestBackend.start()
        do {
            let result = try await body(backend)
            try await backend.shutdown()
            return result
        } catch {
            try? await backend.shutdown()
            throw error
        }
    }

    /// Stops listening and closes every connection, answered or not.
    public func shutdown() async throws {
        try? await self.serverChannel.close()
        try await self.group.shutdownGracefully()
    }

    /// Every request received so far, in arrival order.
    public var requests: [RecordedRequest] { self.recorder.requests }
    /// TCP connections accepted so far.
    public var acceptedConnections: Int { self.recorder.acceptedConnections }
    /// Pattern body bytes (`/bytes`, `/fail-mid-body`) the kernel has accepted for sending.
    public var bytesServed: Int { self.recorder.bytesServed }
    /// Body bytes `/no-read` requests delivered before reading stopped.
    public var uploadBytesRead: Int { self.recorder.uploadBytesRead }

    /// Polls `condition` every 10 ms until it holds; throws ``TestBackendTimeout`` naming
    /// `what` if it still does not after `timeout`.
    public func waitUntil(
        _ what: String, timeout: Duration = .seconds(5), _ condition: (TestBackend) -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(self) {
            guard ContinuousClock.now < deadline else { throw TestBackendTimeout(what: what, timeout: timeout) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The byte at offset `index` of every pattern body. It repeats every 256 bytes.
    public static func patternByte(at index: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: index &* 31 &+ 7)
    }

    /// The first `count` bytes of the pattern body, as `/bytes/count` sends them.
    public static func patternBytes(count: Int) -> [UInt8] {
        // Copy whole periods rather than computing each byte: fast even in debug builds.
        let period = (0..<256).map(patternByte(at:))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            bytes += period.prefix(count - bytes.count)
        }
        return bytes
    }

    /// The ``BodyChecksum`` hex the backend reports for these bytes.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> String {
        var checksum = BodyChecksum()
        checksum.update(bytes)
        return checksum.hex
    }
}

/// ``TestBackend/waitUntil(_:timeout:_:)`` gave up.
public struct TestBackendTimeout: Error, CustomStringConvertible {
    public let what: String
    public let timeout: Duration
    public var description: String { "timed out after \(self.timeout) waiting for \(self.what)" }
}
