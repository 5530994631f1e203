import CCurl
import CCurlShim
import Dispatch
import Foundation
import Logging
import NIOCore
import Synchronization
import VisibleLock

/// One libcurl multi handle and the one thread that owns it.
///
/// The thread loops: apply queued commands, `curl_multi_perform`, collect finished transfers,
/// carry out what callbacks asked for between curl calls, expire queue deadlines, deliver the
/// pass's events to each event loop in one task, then sleep in `curl_multi_poll` until socket
/// activity, a curl timer, the next queue deadline or `curl_multi_wakeup` (the only curl call
/// made from other threads). Every other curl call happens here, so nothing needs a lock
/// around curl and TLS teardown never races another thread.
///
/// Each transfer's `TransferStateMachine` decides; the shard executes its actions.
final class CurlShard: @unchecked Sendable {
    enum Command {
        case start(CurlTransfer)
        case cancel(CurlTransfer)
        case resumeReceive(CurlTransfer)
        case resumeSend(CurlTransfer)
        case shutdown
    }

    private struct Inbox {
        var commands: [Command] = []
        /// A shutdown was submitted: starts from now on are refused at the door.
        var shuttingDown = false
        /// The thread stopped taking commands.
        var closed = false
        var wakeup = ShardWakeup()
    }

    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    /// Where ThreadSanitizer is told the lock orders memory (see `withVisibleLock`).
    private var lockAddress: UnsafeMutableRawPointer { VisibleLock.lockAddress(of: self) }
    /// `submit` calls between taking their wakeup turn and making the call.
    private let wakersInProgress = Atomic<Int>(0)
    /// Left once when the thread ends; any number of `shutdown` calls wait on it.
    private let stopped = DispatchGroup()
    private let idleConnectionMaxAgeSeconds: Int
    let transfersInFlight = Atomic<Int>(0)
    /// Request body bytes waiting for curl plus response bytes not yet written to (or
    /// discarded by) the client side: what backpressure keeps bounded.
    let bufferedBytes = Atomic<Int>(0)
    /// Failed `curl_multi_perform`/`curl_multi_poll` calls.
    let multiCallFailures = Atomic<Int>(0)

    // Thread-confined state.
    private var active: [ObjectIdentifier: CurlTransfer] = [:]
    private var slots = ConnectionSlots<CurlTransfer>()
    private var pendingDelivery: [CurlTransfer] = []
    /// What callbacks asked for that only a call outside callbacks can do.
    private var pendingSendResumes: [CurlTransfer] = []
    private var pendingEarlyEnds: [CurlTransfer] = []
    private var idleEasyHandles: [UnsafeMutableRawPointer] = []
    private static let maxIdleEasyHandles = 256
    private static let logger = Logger(label: "cors-gateway.curl")

    init(name: String, maxCachedConnections: Int, idleConnectionMaxAgeSeconds: Int) {
        guard let multi = curl_multi_init() else {
            fatalError("curl_multi_init failed: libcurl is unusable")
        }
        self.multi = multi
        self.idleConnectionMaxAgeSeconds = idleConnectionMaxAgeSeconds
        _ = gw_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxCachedConnections)
        self.stopped.enter()
        let thread = Thread { [self] in self.runLoop() }
        thread.name = name
        thread.start()
    }

    // MARK: Any thread

    /// Queues `command` for the shard thread and makes sure the thread wakes for it
    /// (`ShardWakeup`). Submitted on `eventLoop`'s thread, the wakeup waits for the end of the
    /// loop's current task: woken at once, the shard thread took the core from the loop on
    /// every start (0.65 context switches per proxied HTTP/2 request, whose requests arrive
    /// many to a read).
    func submit(_ command: Command, from eventLoop: (any EventLoop)? = nil) {
        let loop = eventLoop.flatMap { $0.inEventLoop ? $0 : nil }
        let outcome = self.inbox.withVisibleLock(at: self.lockAddress) { inbox -> SubmitOutcome in
            switch command {
            case .start where inbox.shuttingDown: return .refused
            case .shutdown where inbox.shuttingDown: return .nothing  // already asked
            case _ where inbox.closed: return .nothing  // nothing of curl's is left to act on
            case .shutdown: inbox.shuttingDown = true
            default: break
            }
            inbox.commands.append(command)
            return self.outcome(of: inbox.wakeup.commandQueued(onLoop: loop.map(ObjectIdentifier.init)))
        }
        switch outcome {
        case .wake:
            self.wake()
        case .wakeAfterLoopTask:
            // In-loop `execute` costs no syscall; the task runs before the loop waits for I/O.
            if let loop { loop.execute { self.loopTaskEnded(ObjectIdentifier(loop)) } }
        case .nothing:
            break
        case .refused:
            if case .start(let transfer) = command {
                transfer.refuse(.unavailable("the gateway is shutting down"))
            }
        }
    }

    private func loopTaskEnded(_ loop: ObjectIdentifier) {
        let outcome = self.inbox.withVisibleLock(at: self.lockAddress) { inbox -> SubmitOutcome in
            let action = inbox.wakeup.loopTaskEnded(loop)
            return inbox.closed ? .nothing : self.outcome(of: action)
        }
        if outcome == .wake { self.wake() }
    }

    /// Called under the inbox lock.
    private func outcome(of action: ShardWakeup.Action) -> SubmitOutcome {
        switch action {
        case .none: return .nothing
        case .wakeAfterLoopTask: return .wakeAfterLoopTask
        case .wakeNow:
            // Counted under the lock, so teardown waits for this wakeup before it cleans up.
            self.wakersInProgress.add(1, ordering: .acquiringAndReleasing)
            return .wake
        }
    }

    /// Outside the lock: the wakeup is a syscall that can switch to the shard thread, which
    /// then found the lock held (measured: 2% of a proxied request in futex waits).
    private func wake() {
        curl_multi_wakeup(self.multi)
        self.wakersInProgress.subtract(1, ordering: .acquiringAndReleasing)
    }

    private enum SubmitOutcome { case nothing, wake, wakeAfterLoopTask, refused }

    /// Fails every transfer, cleans up curl on its own thread, and waits for the thread to end.
    /// Any number of calls, from any threads, all return once it has ended.
    func shutdown() {
        self.submit(.shutdown)
        self.stopped.wait()
    }

    // MARK: Shard thread

    private func runLoop() {
        var running: Int32 = 0
        var readyDescriptors: Int32 = 0
        while true {
            let commands = self.inbox.withVisibleLock(at: self.lockAddress) { inbox -> [Command] in
                defer { inbox.commands.removeAll(keepingCapacity: true) }
                inbox.wakeup.queueTaken()
                return inbox.commands
            }
            var stop = false
            for command in commands {
                if case .shutdown = command { stop = true } else { self.apply(command) }
            }
            if stop { break }
            if curl_multi_perform(self.multi, &running) != CURLM_OK { self.noteMultiFailure("curl_multi_perform") }
            self.collectFinishedTransfers()
            self.applyCallbackRequests()
            self.expireQueueDeadlines()
            self.deliverPendingEvents()
            if curl_multi_poll(self.multi, nil, 0, self.pollTimeoutMs(), &readyDescriptors) != CURLM_OK {
                self.noteMultiFailure("curl_multi_poll")
                usleep(10_000)  // a poll that fails at once must not turn the loop into a spin
            }
        }
        self.tearDown()
    }

    private func apply(_ command: Command) {
        switch command {
        case .start(let transfer):
            self.transfersInFlight.add(1, ordering: .relaxed)
            let key = transfer.request.poolKey
            let limit = transfer.request.maxConnections
            let slotFree = self.slots.hasFreeSlot(key, limit: limit)
            let deadline = NIODeadline.now() + .milliseconds(Int64(transfer.request.queueTimeoutMs))
            switch transfer.curlTransition({ $0.startAccepted(slotFree: slotFree) }) {
            case .begin, .wait:
                if self.slots.acquire(key, limit: limit, waiter: transfer, deadline: deadline) {
                    self.begin(transfer)
                }
            case let action:
                self.execute(action, for: transfer)
            }
        case .cancel(let transfer):
            self.execute(transfer.curlTransition { $0.cancelApplied() }, for: transfer)
        case .resumeReceive(let transfer):
            self.resume(transfer, receive: true)
        case .resumeSend(let transfer):
            self.resume(transfer, receive: false)
        case .shutdown:
            break
        }
    }

    /// Carries out a machine action that moves the transfer out of the queue or out of curl.
    private func execute(_ action: TransferStateMachine.Action, for transfer: CurlTransfer) {
        switch action {
        case .none:
            break
        case .drop:
            self.transfersInFlight.subtract(1, ordering: .relaxed)
        case .leaveQueue:
            _ = self.slots.removeWaiting(transfer.request.poolKey, transfer)
            self.transfersInFlight.subtract(1, ordering: .relaxed)
        case .finish:
            self.removeFromCurl(transfer)
            self.transfersInFlight.subtract(1, ordering: .relaxed)
            self.releaseSlot(of: transfer)
        default:
            preconditionFailure("\(action) is not for the shard to execute")
        }
    }

    /// Hands a freed slot to the pool's first waiter; a waiter cancelled meanwhile passes it on.
    private func releaseSlot(of transfer: CurlTransfer) {
        while let next = self.slots.release(transfer.request.poolKey) {
            switch next.curlTransition({ $0.slotGranted() }) {
            case .begin:
                self.begin(next)
                return
            case .passSlotOn:
                self.transfersInFlight.subtract(1, ordering: .relaxed)  // and round again, to the next waiter
            case let action:
                preconditionFailure("\(action) after a slot was granted")
            }
        }
    }

    private func begin(_ transfer: CurlTransfer) {
        guard let raw = self.idleEasyHandles.popLast() ?? curl_easy_init() else {
            self.execute(transfer.curlTransition { $0.beginFailed(.unavailable("curl_easy_init failed")) }, for: transfer)
            return
        }
        let easy = EasyHandle(raw: raw)
        transfer.curlEasy = easy
        self.active[ObjectIdentifier(transfer)] = transfer
        var failure = easy.configure(for: transfer, idleConnectionMaxAgeSeconds: self.idleConnectionMaxAgeSeconds)
        if failure == nil, curl_multi_add_handle(self.multi, raw) != CURLM_OK {
            failure = .unavailable("libcurl would not take the transfer")
        }
        if let failure {
            self.execute(transfer.curlTransition { $0.beginFailed(failure) }, for: transfer)
        }
    }

    /// Takes the transfer's handle out of curl (a transfer curl had not finished loses its
    /// connection) and returns it to the pool.
    private func removeFromCurl(_ transfer: CurlTransfer) {
        if let easy = transfer.curlEasy {
            curl_multi_remove_handle(self.multi, easy.raw)
            curl_easy_reset(easy.raw)
            if self.idleEasyHandles.count < Self.maxIdleEasyHandles {
                self.idleEasyHandles.append(easy.raw)
            } else {
                curl_easy_cleanup(easy.raw)
            }
        }
        HeaderLineBlock.free(transfer.curlHeaderList)
        transfer.curlHeaderList = nil
        transfer.curlEasy = nil
        self.active[ObjectIdentifier(transfer)] = nil
    }

    private func resume(_ transfer: CurlTransfer, receive: Bool) {
        guard case .applyPause(let mask) = transfer.curlTransition({ $0.resumeApplied(receive: receive) }),
            let easy = transfer.curlEasy
        else { return }
        // May call the write or read callback before it returns (never under a lock of ours).
        let code = curl_easy_pause(easy.raw, mask)
        if code != CURLE_OK {
            self.execute(transfer.curlTransition { $0.resumeFailed(code: Int(code.rawValue)) }, for: transfer)
        }
    }

    // MARK: Called from curl callbacks (no curl calls here)

    /// After this pass's curl calls: unpause the transfer's sending.
    func requestSendResume(_ transfer: CurlTransfer) {
        self.pendingSendResumes.append(transfer)
    }

    /// After this pass's curl calls: end the transfer whose response completed before its upload.
    func requestEarlyEnd(_ transfer: CurlTransfer) {
        self.pendingEarlyEnds.append(transfer)
    }

    func markForDelivery(_ transfer: CurlTransfer) {
        self.pendingDelivery.append(transfer)
    }

    // MARK: Pass steps

    private func applyCallbackRequests() {
        // Unpausing may run callbacks that ask for more: keep going until nothing is asked.
        while !self.pendingSendResumes.isEmpty || !self.pendingEarlyEnds.isEmpty {
            let resumes = self.pendingSendResumes
            let ends = self.pendingEarlyEnds
            self.pendingSendResumes.removeAll()
            self.pendingEarlyEnds.removeAll()
            for transfer in ends { self.execute(transfer.curlTransition { $0.earlyEndDue() }, for: transfer) }
            for transfer in resumes { self.resume(transfer, receive: false) }
        }
    }

    private func collectFinishedTransfers() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(self.multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let raw = message.pointee.easy_handle else { continue }
            let code = message.pointee.data.result
            var user: UnsafeMutableRawPointer? = nil
            _ = gw_easy_getinfo_ptr(raw, CURLINFO_PRIVATE, &user)
            guard let user else { continue }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
            let outcome = self.outcome(of: transfer, code: code)
            self.execute(transfer.curlTransition { $0.curlFinished(outcome) }, for: transfer)
        }
    }

    private func outcome(of transfer: CurlTransfer, code: CURLcode) -> UpstreamEvent {
        let description = String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_OK:
            return .end
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_SSL_CONNECT_ERROR,
            CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_ISSUER_ERROR:
            return .failed(.unavailable(description))
        case CURLE_OPERATION_TIMEDOUT where transfer.curlEasy?.info(offset: CURLINFO_CONNECT_TIME_T) == 0:
            return .failed(.unavailable("no connection within the connect timeout"))
        default:
            return .failed(.invalidResponse(description))
        }
    }

    /// Fails queued transfers whose deadline passed.
    private func expireQueueDeadlines() {
        guard let earliest = self.slots.earliestDeadline, earliest <= .now() else { return }
        for transfer in self.slots.expiredWaiters(at: .now()) {
            let waited = transfer.request.queueTimeoutMs
            self.execute(transfer.curlTransition { $0.queueDeadlinePassed(afterMs: waited) }, for: transfer)
        }
    }

    /// curl's own timers wake `curl_multi_poll` by themselves; a queue deadline must too.
    private func pollTimeoutMs() -> Int32 {
        guard let next = self.slots.earliestDeadline else { return 1000 }
        let milliseconds = (next - NIODeadline.now()).nanoseconds / 1_000_000 + 1
        return Int32(max(0, min(1000, milliseconds)))
    }

    private func noteMultiFailure(_ call: String) {
        let failures = self.multiCallFailures.wrappingAdd(1, ordering: .relaxed).newValue
        if failures & (failures - 1) == 0 {  // the 1st, 2nd, 4th, 8th…: visible, never a flood
            Self.logger.error("\(call) failed", metadata: ["failures": "\(failures)"])
        }
    }

    /// One task per event loop per pass: each `execute` wakes its loop (an eventfd write), and
    /// under load one pass has news for many transfers.
    private func deliverPendingEvents() {
        guard !self.pendingDelivery.isEmpty else { return }
        if self.pendingDelivery.count == 1 {
            CurlTransfer.curlDeliver(self.pendingDelivery, on: self.pendingDelivery[0].eventLoop)
        } else {
            var byLoop: [ObjectIdentifier: [CurlTransfer]] = [:]
            for transfer in self.pendingDelivery {
                byLoop[ObjectIdentifier(transfer.eventLoop), default: []].append(transfer)
            }
            for transfers in byLoop.values { CurlTransfer.curlDeliver(transfers, on: transfers[0].eventLoop) }
        }
        self.pendingDelivery.removeAll(keepingCapacity: true)
    }

    private func tearDown() {
        // Starts were refused since the shutdown was submitted; what is left is cancels and
        // resumes for transfers that end here anyway.
        self.inbox.withVisibleLock(at: self.lockAddress) { inbox in
            inbox.closed = true
            inbox.commands.removeAll()
        }
        // No submit can start a wakeup now; let those under way finish before the multi handle goes.
        while self.wakersInProgress.load(ordering: .acquiring) > 0 { sched_yield() }
        // Waiters first, so the slots freed below find no one to begin.
        for transfer in self.slots.allWaiting() {
            self.execute(transfer.curlTransition { $0.shutdown() }, for: transfer)
        }
        for transfer in Array(self.active.values) {
            self.execute(transfer.curlTransition { $0.shutdown() }, for: transfer)
        }
        self.deliverPendingEvents()
        for easy in self.idleEasyHandles { curl_easy_cleanup(easy) }
        self.idleEasyHandles.removeAll()
        curl_multi_cleanup(self.multi)
        self.stopped.leave()
    }
}
