import CurlEngine
import Foundation
import GatewayTestSupport
import Glibc
import NIOCore
import NIOPosix
import Testing

/// F6, SPEC §11: a transfer stuck in name resolution, cancelled or timed out, never stalls the
/// other transfers of its shard (curl joins its resolver thread unless CURLOPT_QUICK_EXIT).
///
/// Slow resolution without sending a packet off this machine: the scenario runs in a child
/// copy of this test binary, in a private mount namespace where /etc/resolv.conf names only a
/// 127.0.0.77 UDP socket this test holds and never answers (timeout 2 s, one attempt) and
/// /etc/nsswitch.conf asks no other source than files and that DNS. The host system's files
/// are untouched (the mounts live and die with the child's namespace).
@Suite("Slow name resolution never stalls a shard", .serialized)
struct SlowResolutionTests {
    static let childVariable = "CURL_ENGINE_SLOW_RESOLVER_CHILD"
    static let deafResolver = "127.0.0.77"

    /// In CI it always runs: a machine that cannot isolate the resolver fails it there, loudly.
    static var canIsolateResolver: Bool {
        ProcessInfo.processInfo.environment["CI"] != nil
            || (geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"))
    }

    @Test(.enabled(if: canIsolateResolver, "needs root and unshare for a private resolv.conf"))
    func cancelledOrTimedOutResolutionLeavesOtherTransfersPrompt() throws {
        let deaf = try DeafUDPListener(host: Self.deafResolver, port: 53)
        defer { deaf.close() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slow-resolver-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "nameserver \(Self.deafResolver)\noptions timeout:2 attempts:1\n"
            .write(to: directory.appendingPathComponent("resolv.conf"), atomically: true, encoding: .utf8)
        try "hosts: files dns\n".write(to: directory.appendingPathComponent("nsswitch.conf"), atomically: true, encoding: .utf8)

        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        let script = """
            mount --bind "$1/resolv.conf" /etc/resolv.conf && mount --bind "$1/nsswitch.conf" /etc/nsswitch.conf \
            && shift && exec "$@"
            """
        child.arguments = [
            "--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh", directory.path,
            CommandLine.arguments[0], "--testing-library", "swift-testing", "--filter", "resolutionScenarioInChild",
        ]
        child.environment = ProcessInfo.processInfo.environment.merging([Self.childVariable: "1"]) { $1 }
        let output = Pipe()
        child.standardOutput = output
        child.standardError = output
        try child.run()
        let killer = DispatchWorkItem { child.terminate() }  // bounded: the scenario takes about 3 s
        DispatchQueue.global().asyncAfter(deadline: .now() + 30, execute: killer)
        let transcript = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        killer.cancel()
        let report = transcript.split(separator: "\n").filter { $0.contains("scenario:") || $0.contains("recorded an issue") }
        #expect(child.terminationStatus == 0, "child scenario failed:\n\(report.joined(separator: "\n"))")
        #expect(transcript.contains("scenario: done"), "the child never ran the scenario:\n\(transcript.suffix(2000))")
    }

    /// The child's half; does nothing in an ordinary run.
    @Test func resolutionScenarioInChild() async throws {
        guard ProcessInfo.processInfo.environment[Self.childVariable] != nil else { return }
        let backend = try LoopbackBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        let engine = CurlEngine(shards: 1)
        defer {
            engine.shutdown()
            backend.shutdown()
        }
        let loop = MultiThreadedEventLoopGroup.singleton.next()

        // Cancelled while resolving.
        let stuck = TransferProbe()
        let cancelled = try await onLoop(loop) {
            NIOLoopBound(engine.startTransfer(testRequest("http://slow-resolve.invalid/"), on: loop, delegate: stuck), eventLoop: loop)
        }
        try await Task.sleep(for: .milliseconds(200))
        try await onLoop(loop) { cancelled.value.cancel() }
        let afterCancel = try await self.slowestOfQuickTransfers(engine, backend, loop, count: 10)
        print("scenario: slowest transfer after cancelling a resolving one: \(afterCancel)")
        #expect(afterCancel < .milliseconds(500), "the shard stalled \(afterCancel) after a cancel during resolution")

        // Timed out while resolving (connect timeout 300 ms covers resolution).
        var timingOut = testRequest("http://slow-resolve-2.invalid/")
        timingOut.connectTimeoutMs = 300
        let timedOut = TransferProbe()
        let request = timingOut
        _ = try await onLoop(loop) { _ = engine.startTransfer(request, on: loop, delegate: timedOut) }
        let duringTimeout = try await self.slowestOfQuickTransfers(engine, backend, loop, count: 30)
        print("scenario: slowest transfer around a resolution timeout: \(duringTimeout)")
        #expect(duringTimeout < .milliseconds(500), "the shard stalled \(duringTimeout) around a resolution timeout")
        let outcome = await timedOut.waitForOutcome(within: .seconds(3))
        print("scenario: timed-out resolution ended with \(String(describing: outcome))")
        guard case .failed(.unavailable) = outcome else {
            Issue.record("the resolution timeout ended with \(String(describing: outcome))")
            return
        }
        print("scenario: done")
    }

    /// Runs `count` transfers to the loopback backend one after another; returns the slowest.
    private func slowestOfQuickTransfers(
        _ engine: CurlEngine, _ backend: LoopbackBackend, _ loop: any EventLoop, count: Int
    ) async throws -> Duration {
        var slowest = Duration.zero
        for index in 0..<count {
            let probe = TransferProbe()
            let started = ContinuousClock.now
            _ = try await onLoop(loop) { _ = engine.startTransfer(testRequest(backend.baseURL + "/\(index)"), on: loop, delegate: probe) }
            let outcome = await probe.waitForOutcome(within: .seconds(5))
            #expect(outcome == .end)
            slowest = max(slowest, ContinuousClock.now - started)
            try await Task.sleep(for: .milliseconds(20))
        }
        return slowest
    }
}

/// A UDP socket that receives and never answers: a name server that is there and silent, so
/// lookups wait for their timeout instead of failing at once with "connection refused".
final class DeafUDPListener {
    private let descriptor: Int32

    init(host: String, port: UInt16) throws {
        self.descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr(host)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(self.descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            Glibc.close(self.descriptor)
            throw LoopbackListener.SetupError(call: "bind udp \(host):\(port)", errno: errno)
        }
    }

    func close() {
        Glibc.close(self.descriptor)
    }
}
