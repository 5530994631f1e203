import CCurl
import NIOCore
import Synchronization
import VisibleLock

/// One request to a backend, from the event loop's side and the curl thread's side.
///
/// Its lifecycle is a `TransferStateMachine` behind the one mutex; both sides feed it events
/// and execute the actions it returns. Thread confinement: the `curl…` fields are touched only
/// on the shard's thread; the delegate is reached only on `eventLoop`. No `deinit` calls curl:
/// the shard releases the easy handle after `curl_multi_remove_handle`.
public final class CurlTransfer: UpstreamTransfer, @unchecked Sendable {
    public let request: UpstreamRequest
    public let eventLoop: any EventLoop
    private let delegate: NIOLoopBound<WeakDelegate>
    /// Strong: the shard holds a transfer only while curl has it, so there is no lasting cycle,
    /// and an `unowned` read cost a `swift_unownedRetainStrong` per curl callback (2.8% of a
    /// 1 MiB download).
    let shard: CurlShard

    private struct Shared {
        var machine: TransferStateMachine
        var outbox: [UpstreamEvent] = []
        var deliveryScheduled = false

        /// Queues an event; `true` when the transfer needs a delivery this pass.
        mutating func enqueue(_ event: UpstreamEvent) -> Bool {
            self.outbox.append(event)
            if self.deliveryScheduled { return false }
            self.deliveryScheduled = true
            return true
        }
    }

    private let shared: Mutex<Shared>
    /// Where ThreadSanitizer is told the lock orders memory (see `withVisibleLock`).
    private var lockAddress: UnsafeMutableRawPointer { VisibleLock.lockAddress(of: self) }

    // Curl-thread state.
    var curlEasy: EasyHandle?
    var curlHeaderList: UnsafeMutablePointer<curl_slist>?
    var curlHeadParser: ResponseHeadParser
    /// The raw chunked body's decoder, when the head announced one.
    var curlChunkDecoder: ChunkedBodyDecoder?

    init(
        request: UpstreamRequest,
        eventLoop: any EventLoop,
        delegate: any UpstreamTransferDelegate,
        shard: CurlShard,
        flowControl: TransferFlowControl
    ) {
        self.request = request
        self.eventLoop = eventLoop
        self.delegate = NIOLoopBound(WeakDelegate(delegate), eventLoop: eventLoop)
        self.shard = shard
        let machine = TransferStateMachine(hasUpload: request.sendsBody, flow: flowControl)
        self.shared = Mutex(Shared(machine: machine))
        self.curlHeadParser = ResponseHeadParser(maxHeaderBytes: request.maxResponseHeaderBytes)
    }

    /// Runs one transition under the lock: queues the event its action reports, if any, and
    /// moves the change in counted bytes into the shard's total. On the event loop
    /// (`onEventLoop`) it also takes the upload buffers curl is done with, released here.
    private func transition(
        onEventLoop: Bool = false, _ event: (inout TransferStateMachine) -> TransferStateMachine.Action
    ) -> (action: TransferStateMachine.Action, needsDelivery: Bool) {
        let (action, needsDelivery, delta, spent) = self.shared.withVisibleLock(at: self.lockAddress) { shared in
            let before = shared.machine.countedBytes
            let action = event(&shared.machine)
            let needsDelivery = action.reportedEvent.map { shared.enqueue($0) } ?? false
            let spent = onEventLoop ? shared.machine.takeSpentUpload() : []
            return (action, needsDelivery, shared.machine.countedBytes - before, spent)
        }
        _ = spent  // released here, on the event loop
        if delta != 0 { self.shard.bufferedBytes.add(delta, ordering: .relaxed) }
        return (action, needsDelivery)
    }

    // MARK: Event-loop API

    public func appendRequestBody(_ buffer: ByteBuffer) -> Bool {
        guard case .appended(let keepReading, let resumeSend) = self.transition(onEventLoop: true, { $0.requestBodyAppended(buffer) }).action
        else { preconditionFailure("appending a body piece must answer .appended") }
        if resumeSend { self.shard.submit(.resumeSend(self), from: self.eventLoop) }
        return keepReading
    }

    public func finishRequestBody() {
        if case .requestResume = self.transition(onEventLoop: true, { $0.requestBodyEnded() }).action {
            self.shard.submit(.resumeSend(self), from: self.eventLoop)
        }
    }

    public func responseBytesWritten(_ count: Int) {
        if case .requestResume = self.transition(onEventLoop: true, { $0.responseBytesReleased(count, discarded: false) }).action {
            self.shard.submit(.resumeReceive(self), from: self.eventLoop)
        }
    }

    public func discard(_ events: [UpstreamEvent]) {
        var count = 0
        for case .body(let buffer) in events { count += buffer.readableBytes }
        if count > 0 { _ = self.transition(onEventLoop: true) { $0.responseBytesReleased(count, discarded: true) } }
    }

    public func cancel() {
        self.delegate.value.object = nil
        if case .requestCancel = self.transition(onEventLoop: true, { $0.cancel() }).action {
            self.shard.submit(.cancel(self), from: self.eventLoop)
        }
    }

    /// Fails a transfer its shard refused (the engine is shutting down), straight to the event loop.
    func refuse(_ failure: UpstreamFailure) {
        if self.transition({ $0.refused(failure) }).needsDelivery {
            Self.curlDeliver([self], on: self.eventLoop)
        }
    }

    // MARK: Curl-thread API

    /// A transition on the shard's thread; an event it reports goes out with this pass.
    func curlTransition(
        _ event: (inout TransferStateMachine) -> TransferStateMachine.Action
    ) -> TransferStateMachine.Action {
        let (action, needsDelivery) = self.transition(event)
        if needsDelivery { self.shard.markForDelivery(self) }
        return action
    }

    /// Queues response body bytes the machine accepted.
    func curlDeliverBody(_ buffer: ByteBuffer) {
        if self.shared.withVisibleLock(at: self.lockAddress, { $0.enqueue(.body(buffer)) }) { self.shard.markForDelivery(self) }
    }

    /// Sends everything queued so far for `transfers` (all on `eventLoop`) in one event-loop
    /// task: one wakeup of the loop per curl pass, however many transfers had news.
    static func curlDeliver(_ transfers: [CurlTransfer], on eventLoop: any EventLoop) {
        eventLoop.execute {
            for transfer in transfers { transfer.deliverQueuedEvents() }
        }
    }

    /// On the event loop: hands the queued events to the delegate.
    private func deliverQueuedEvents() {
        let (events, spent) = self.shared.withVisibleLock(at: self.lockAddress) { shared -> ([UpstreamEvent], [ByteBuffer]) in
            shared.deliveryScheduled = false
            defer { shared.outbox.removeAll(keepingCapacity: true) }
            return (shared.outbox, shared.machine.takeSpentUpload())
        }
        _ = spent  // released here, on the event loop (see `TransferFlowControl.spentUpload`)
        guard let delegate = self.delegate.value.object else {
            self.discard(events)
            return
        }
        if !events.isEmpty { delegate.upstreamTransfer(self, received: events) }
    }
}

extension TransferStateMachine.Action {
    /// The event this action hands to the delegate, if any.
    fileprivate var reportedEvent: UpstreamEvent? {
        switch self {
        case .finish(let event): return event
        case .leaveQueue(let failure): return failure.map { .failed($0) }
        case .deliver(let event): return event
        case .deliverHead(let head, _): return .head(head)
        case .upload(_, resumeClientReads: true): return .uploadCanResume
        default: return nil
        }
    }
}

extension UpstreamRequest {
    /// Whether curl reads a request body. HEAD never carries one upstream, whatever framing
    /// the client's request had (the server discards that body).
    var sendsBody: Bool {
        self.body != .none && self.method != "HEAD"
    }
}

/// The delegate is the connection's handler; it owns the transfer, not the other way round.
final class WeakDelegate {
    weak var object: (any UpstreamTransferDelegate)?
    init(_ object: any UpstreamTransferDelegate) { self.object = object }
}
