import CurlEngine
import NIOCore
import NIOPosix
import NIOConcurrencyHelpers

/// A delegate that records a transfer's events and, like a client connection that keeps up,
/// reports every body byte written at once. Tests wait on it with deadlines, never forever.
final class TransferProbe: UpstreamTransferDelegate, Sendable {
    enum Outcome: Equatable {
        case end
        case failed(UpstreamFailure)
    }

    private let recorded = NIOLockedValueBox<[UpstreamEvent]>([])
    /// Called on the event loop for each batch before it is recorded; `false` stops the probe
    /// acknowledging the batch's body bytes (a delegate whose exchange is over).
    private let onBatch: @Sendable (any UpstreamTransfer, [UpstreamEvent]) -> Bool

    init(onBatch: @escaping @Sendable (any UpstreamTransfer, [UpstreamEvent]) -> Bool = { _, _ in true }) {
        self.onBatch = onBatch
    }

    func upstreamTransfer(_ transfer: any UpstreamTransfer, received events: [UpstreamEvent]) {
        let acknowledge = self.onBatch(transfer, events)
        self.recorded.withLockedValue { $0 += events }
        guard acknowledge else { return }
        for case .body(let buffer) in events { transfer.responseBytesWritten(buffer.readableBytes) }
    }

    var events: [UpstreamEvent] { self.recorded.withLockedValue { $0 } }

    var head: UpstreamResponseHead? {
        for case .head(let head) in self.events { return head }
        return nil
    }

    var body: [UInt8] {
        var bytes: [UInt8] = []
        for case .body(let buffer) in self.events { bytes += buffer.readableBytesView }
        return bytes
    }

    var outcome: Outcome? {
        for event in self.events {
            switch event {
            case .end: return .end
            case .failed(let failure): return .failed(failure)
            default: continue
            }
        }
        return nil
    }

    /// The transfer's final event, or nil if none came within `timeout`.
    func waitForOutcome(within timeout: Duration = .seconds(5)) async -> Outcome? {
        await waitUntil(within: timeout) { self.outcome != nil }
        return self.outcome
    }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
@discardableResult
func waitUntil(within timeout: Duration, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// A request with the test defaults: a 2 s connect timeout and 16 KiB of response head.
func testRequest(
    _ url: String, method: String = "GET", body: UpstreamRequest.BodyFraming = .none,
    maxConnections: Int = 8, queueTimeoutMs: Int = 5000, pool: String = "test"
) -> UpstreamRequest {
    UpstreamRequest(
        url: url, method: method, headers: [], body: body, poolKey: pool, maxConnections: maxConnections,
        connectTimeoutMs: 2000, queueTimeoutMs: queueTimeoutMs, maxResponseHeaderBytes: 16384
    )
}

/// Runs `body` on `eventLoop` and waits for it (transfer methods belong to their event loop).
func onLoop<T: Sendable>(_ eventLoop: any EventLoop, _ body: @escaping @Sendable () -> T) async throws -> T {
    try await eventLoop.submit(body).get()
}
