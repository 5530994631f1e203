import CCurl
import NIOCore
import Synchronization

/// One request to a backend, from the event loop's side and the curl thread's side.
///
/// Thread confinement: the `curl…` fields are touched only on the shard's thread; `shared` is
/// behind a mutex; the delegate is reached only on `eventLoop`. No `deinit` calls curl: the
/// shard releases the easy handle after `curl_multi_remove_handle`.
public final class CurlTransfer: UpstreamTransfer, @unchecked Sendable {
    public let request: UpstreamRequest
    public let eventLoop: EventLoop
    private let delegate: NIOLoopBound<WeakDelegate>
    /// Strong: the shard holds a transfer only while curl has it, so there is no lasting cycle,
    /// and an `unowned` read cost a `swift_unownedRetainStrong` per curl callback (2.8% of a
    /// 1 MiB download).
    let shard: CurlShard

    private struct Shared {
        var flow: TransferFlowControl
        var outbox: [UpstreamEvent] = []
        var deliveryScheduled = false
        /// The transfer left curl (see `curlSettle`).
        var settled = false
    }

    private let shared: Mutex<Shared>

    // Curl-thread state.
    var curlEasy: EasyHandle?
    var curlHeaderList: UnsafeMutablePointer<curl_slist>?
    var curlHeadParser: ResponseHeadParser
    var curlHeadDelivered = false
    /// Set by a callback that aborted the transfer on purpose, so completion reports why.
    var curlAbortReason: UpstreamFailure?
    var curlActive = false

    init(
        request: UpstreamRequest,
        eventLoop: EventLoop,
        delegate: any UpstreamTransferDelegate,
        shard: CurlShard,
        flowControl: TransferFlowControl
    ) {
        self.request = request
        self.eventLoop = eventLoop
        self.delegate = NIOLoopBound(WeakDelegate(delegate), eventLoop: eventLoop)
        self.shard = shard
        self.shared = Mutex(Shared(flow: flowControl))
        self.curlHeadParser = ResponseHeadParser(maxHeaderBytes: request.maxResponseHeaderBytes)
    }

    // MARK: Event-loop API

    /// Hands a piece of the client's request body to the transfer. Returns `false` when the
    /// caller must stop reading the client until an `.uploadCanResume` event.
    public func appendRequestBody(_ buffer: ByteBuffer) -> Bool {
        let result = self.shared.withLock { shared -> TransferFlowControl.AppendResult? in
            guard !shared.settled else { return nil }
            return shared.flow.appendUpload(buffer)
        }
        guard let result else { return true }  // finished: the body is no longer needed
        self.shard.bufferedBytes.add(buffer.readableBytes, ordering: .relaxed)
        if result.resumeSend { self.shard.submit(.resumeSend(self)) }
        return result.keepReading
    }

    /// The client's request body is complete.
    public func finishRequestBody() {
        if self.shared.withLock({ $0.flow.endUpload() }) {
            self.shard.submit(.resumeSend(self))
        }
    }

    /// The client connection accepted `count` response bytes (call from write promises).
    public func responseBytesWritten(_ count: Int) {
        self.shard.bufferedBytes.subtract(count, ordering: .relaxed)
        let resume = self.shared.withLock { shared in
            !shared.settled && shared.flow.downstreamWritten(count: count)
        }
        if resume { self.shard.submit(.resumeReceive(self)) }
    }

    /// Events the delegate will not write (its exchange is over): their body bytes stop
    /// counting as buffered.
    public func discard(_ events: [UpstreamEvent]) {
        var count = 0
        for case .body(let buffer) in events { count += buffer.readableBytes }
        self.shard.bufferedBytes.subtract(count, ordering: .relaxed)
    }

    /// Abandons the transfer (client gone, timeout). No further events are delivered.
    public func cancel() {
        self.delegate.value.object = nil
        self.shard.submit(.cancel(self))
    }

    /// Response bytes handed to the event loop and not yet written to the client.
    public var responseBytesInFlight: Int {
        self.shared.withLock { $0.flow.downstreamBytesInFlight }
    }

    /// Request body bytes received from the client and not yet taken by curl.
    public var requestBytesBuffered: Int {
        self.shared.withLock { $0.flow.uploadBytesBuffered }
    }

    // MARK: Curl-thread API

    /// Queues an event; returns `true` when the transfer needs a delivery this pass.
    func curlEnqueue(_ event: UpstreamEvent) -> Bool {
        self.shared.withLock { shared in
            shared.outbox.append(event)
            if shared.deliveryScheduled { return false }
            shared.deliveryScheduled = true
            return true
        }
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
        let events = self.shared.withLock { shared -> [UpstreamEvent] in
            shared.deliveryScheduled = false
            defer { shared.outbox.removeAll(keepingCapacity: true) }
            return shared.outbox
        }
        guard let delegate = self.delegate.value.object else {
            self.discard(events)
            return
        }
        if !events.isEmpty { delegate.upstreamTransfer(self, received: events) }
    }

    func curlOfferResponseBytes(_ count: Int) -> Bool {
        let accepted = self.shared.withLock { $0.flow.offerDownstream(count: count) }
        if accepted { self.shard.bufferedBytes.add(count, ordering: .relaxed) }
        return accepted
    }

    func curlReadRequestBody(
        into destination: UnsafeMutableRawBufferPointer
    ) -> (result: TransferFlowControl.UploadRead, resumeClientReads: Bool) {
        let read = self.shared.withLock { $0.flow.readUpload(into: destination) }
        if case .bytes(let count) = read.result { self.shard.bufferedBytes.subtract(count, ordering: .relaxed) }
        return read
    }

    /// The transfer left curl: request body it never sent stops counting as buffered.
    /// (Response bytes count until the event loop writes or discards them.)
    func curlSettle() {
        let unsent = self.shared.withLock { shared -> Int in
            shared.settled = true
            return shared.flow.uploadBytesBuffered
        }
        self.shard.bufferedBytes.subtract(unsent, ordering: .relaxed)
    }

    /// Reports a failure straight to the event loop, for a transfer the engine never took.
    func failWithoutEngine(_ failure: UpstreamFailure) {
        self.eventLoop.execute {
            self.delegate.value.object?.upstreamTransfer(self, received: [.failed(failure)])
        }
    }

    /// Marks the direction resumed and returns the pause mask curl must keep.
    func curlResume(receive: Bool) -> Int32 {
        self.shared.withLock { shared in
            if receive { shared.flow.receiveResumed() } else { shared.flow.sendResumed() }
            return (shared.flow.receivePaused ? CurlPause.receive : 0)
                | (shared.flow.sendPaused ? CurlPause.send : 0)
        }
    }
}

/// The delegate is the connection's handler; it owns the transfer, not the other way round.
final class WeakDelegate {
    weak var object: (any UpstreamTransferDelegate)?
    init(_ object: any UpstreamTransferDelegate) { self.object = object }
}

/// curl's CURLPAUSE_* bits (macros Swift does not import).
enum CurlPause {
    static let receive: Int32 = 1 << 0
    static let send: Int32 = 1 << 2
}
