import CCurl
import CCurlShim
import Dispatch
import Foundation
import Synchronization

/// One libcurl multi handle and the one thread that owns it.
///
/// The thread loops: apply queued commands, `curl_multi_perform`, collect finished transfers,
/// deliver the pass's events to each event loop in one task, then sleep in
/// `curl_multi_poll` until socket activity, a curl timer or `curl_multi_wakeup` (the only curl
/// call made from other threads). Every other curl call happens here, so nothing needs a lock
/// around curl and TLS teardown never races another thread.
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
        var closed = false
    }

    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    private let wakeupPending = Atomic<Bool>(false)
    /// `submit` calls between taking their wakeup turn and making the call.
    private let wakersInProgress = Atomic<Int>(0)
    private let finished = DispatchSemaphore(value: 0)
    private let idleConnectionMaxAgeSeconds: Int
    let transfersInFlight = Atomic<Int>(0)
    /// Request body bytes waiting for curl plus response bytes not yet written to (or
    /// discarded by) the client side: what backpressure keeps bounded.
    let bufferedBytes = Atomic<Int>(0)

    // Thread-confined state.
    private var active: [ObjectIdentifier: CurlTransfer] = [:]
    private var slots = ConnectionSlots<CurlTransfer>()
    private var pendingDelivery: [CurlTransfer] = []
    private var idleEasyHandles: [UnsafeMutableRawPointer] = []
    /// Where each request header line is spelled for curl, which copies it.
    private var headerLineBytes: [UInt8] = []
    private static let maxIdleEasyHandles = 256

    init(name: String, maxCachedConnections: Int, idleConnectionMaxAgeSeconds: Int) {
        guard let multi = curl_multi_init() else {
            fatalError("curl_multi_init failed: libcurl is unusable")
        }
        self.multi = multi
        self.idleConnectionMaxAgeSeconds = idleConnectionMaxAgeSeconds
        _ = gw_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxCachedConnections)
        let thread = Thread { [self] in self.runLoop() }
        thread.name = name
        thread.start()
    }

    // MARK: Any thread

    func submit(_ command: Command) {
        let outcome = self.inbox.withLock { inbox -> SubmitOutcome in
            guard !inbox.closed else { return .refused }
            inbox.commands.append(command)
            if self.wakeupPending.exchange(true, ordering: .acquiringAndReleasing) { return .queued }
            // Counted under the lock, so teardown waits for this wakeup before it cleans up.
            self.wakersInProgress.add(1, ordering: .acquiringAndReleasing)
            return .queuedNeedsWakeup
        }
        switch outcome {
        case .queuedNeedsWakeup:
            // Outside the lock: the wakeup is a syscall that can switch to the shard thread,
            // which then found the lock held (measured: 2% of a proxied request in futex waits).
            curl_multi_wakeup(self.multi)
            self.wakersInProgress.subtract(1, ordering: .acquiringAndReleasing)
        case .queued:
            break
        case .refused:
            if case .start(let transfer) = command {
                transfer.failWithoutEngine(.unavailable("the upstream engine has shut down"))
            }
        }
    }

    private enum SubmitOutcome { case queued, queuedNeedsWakeup, refused }

    /// Cancels every transfer, cleans up curl on its own thread, and waits for the thread to end.
    func shutdown() {
        self.submit(.shutdown)
        self.finished.wait()
    }

    // MARK: Shard thread

    private func runLoop() {
        var running: Int32 = 0
        var readyDescriptors: Int32 = 0
        while true {
            self.wakeupPending.store(false, ordering: .releasing)
            let commands = self.inbox.withLock { inbox -> [Command] in
                defer { inbox.commands.removeAll(keepingCapacity: true) }
                return inbox.commands
            }
            var stop = false
            for command in commands {
                if case .shutdown = command { stop = true } else { self.apply(command) }
            }
            if stop { break }
            curl_multi_perform(self.multi, &running)
            self.collectFinishedTransfers()
            self.deliverPendingEvents()
            curl_multi_poll(self.multi, nil, 0, 1000, &readyDescriptors)
        }
        self.tearDown()
    }

    private func apply(_ command: Command) {
        switch command {
        case .start(let transfer):
            self.transfersInFlight.add(1, ordering: .relaxed)
            if self.slots.acquire(transfer.request.poolKey, limit: transfer.request.maxConnections, waiter: transfer) {
                self.begin(transfer)
            }
        case .cancel(let transfer):
            if transfer.curlActive {
                curl_multi_remove_handle(self.multi, transfer.curlEasy!.raw)
                self.release(transfer)
            } else if self.slots.removeWaiting(transfer.request.poolKey, transfer) {
                self.transfersInFlight.subtract(1, ordering: .relaxed)
            }
        case .resumeReceive(let transfer), .resumeSend(let transfer):
            guard transfer.curlActive, let easy = transfer.curlEasy else { return }
            let isReceive: Bool
            if case .resumeReceive = command { isReceive = true } else { isReceive = false }
            // May call the write or read callback before it returns (never under a lock of ours).
            curl_easy_pause(easy.raw, transfer.curlResume(receive: isReceive))
        case .shutdown:
            break
        }
    }

    private func begin(_ transfer: CurlTransfer) {
        guard let raw = self.idleEasyHandles.popLast() ?? curl_easy_init() else {
            self.finish(transfer, with: .failed(.unavailable("curl_easy_init failed")))
            return
        }
        let easy = EasyHandle(raw: raw)
        transfer.curlEasy = easy
        transfer.curlActive = true
        self.active[ObjectIdentifier(transfer)] = transfer
        guard self.configure(easy, for: transfer),
            curl_multi_add_handle(self.multi, raw) == CURLM_OK
        else {
            self.finish(transfer, with: .failed(.unavailable("libcurl refused the request options")))
            return
        }
    }

    private func configure(_ easy: EasyHandle, for transfer: CurlTransfer) -> Bool {
        let request = transfer.request
        let user = Unmanaged.passUnretained(transfer).toOpaque()
        var ok = easy.set(CURLOPT_URL, request.url)
        ok = easy.set(CURLOPT_PRIVATE, pointer: user) && ok
        ok = easy.set(CURLOPT_HEADERFUNCTION, writeCallback: CurlCallbacks.header) && ok
        ok = easy.set(CURLOPT_HEADERDATA, pointer: user) && ok
        ok = easy.set(CURLOPT_WRITEFUNCTION, writeCallback: CurlCallbacks.write) && ok
        ok = easy.set(CURLOPT_WRITEDATA, pointer: user) && ok
        ok = easy.setReadCallback(CurlCallbacks.read) && ok
        ok = easy.set(CURLOPT_READDATA, pointer: user) && ok
        ok = easy.set(CURLOPT_NOSIGNAL, 1) && ok  // NIO already ignores SIGPIPE
        ok = easy.set(CURLOPT_FOLLOWLOCATION, 0) && ok
        ok = easy.set(CURLOPT_HTTP_CONTENT_DECODING, 0) && ok  // bodies pass byte for byte
        ok = easy.set(CURLOPT_PATH_AS_IS, 1) && ok  // the route decided the path; curl must not squash it
        ok = easy.set(CURLOPT_PROTOCOLS_STR, "http,https") && ok
        ok = easy.set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1) && ok
        ok = easy.set(CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMs) && ok
        ok = easy.set(CURLOPT_TCP_KEEPALIVE, 1) && ok
        // Shorter than common backend keep-alive timeouts: a streamed body cannot be replayed
        // on a pooled connection the backend already closed.
        ok = easy.set(CURLOPT_MAXAGE_CONN, self.idleConnectionMaxAgeSeconds) && ok
        if let caFile = request.caFile {
            ok = easy.set(CURLOPT_CAINFO, caFile) && ok
        }
        switch (request.method, request.body) {
        case ("GET", .none):
            ok = easy.set(CURLOPT_HTTPGET, 1) && ok
        case ("HEAD", .none):
            ok = easy.set(CURLOPT_NOBODY, 1) && ok
        case (_, .none):
            ok = easy.set(CURLOPT_CUSTOMREQUEST, request.method) && ok
        case (_, .known(let length)):
            ok = easy.set(CURLOPT_UPLOAD, 1) && ok
            ok = easy.set(CURLOPT_CUSTOMREQUEST, request.method) && ok
            ok = easy.set(CURLOPT_INFILESIZE_LARGE, offset: Int64(length)) && ok
        case (_, .chunked):
            ok = easy.set(CURLOPT_UPLOAD, 1) && ok  // unknown size: curl sends it chunked
            ok = easy.set(CURLOPT_CUSTOMREQUEST, request.method) && ok
        }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        var sawAccept = false
        // Moved out of the shard for the loop: appending byte by byte to a class's stored array
        // paid a dynamic exclusivity check per byte, 3% of a proxied request's CPU.
        var line: [UInt8] = []
        swap(&line, &self.headerLineBytes)
        for (name, value) in request.headers {
            list = Self.appendHeaderLine(to: list, name: name, value: value, spelledIn: &line)
            if !sawAccept, name.utf8.count == 6, name.lowercased() == "accept" { sawAccept = true }
        }
        swap(&line, &self.headerLineBytes)
        list = curl_slist_append(list, "Expect:")  // no 100-continue round trip
        if !sawAccept { list = curl_slist_append(list, "Accept:") }  // no default "Accept: */*"
        transfer.curlHeaderList = list
        ok = easy.set(CURLOPT_HTTPHEADER, list: list) && ok
        return ok
    }

    /// Appends "Name: value" ("Name;", curl's spelling of an empty value) spelled in `line`,
    /// reused for every line: building a String per line and converting it cost two
    /// allocations per line.
    private static func appendHeaderLine(
        to list: UnsafeMutablePointer<curl_slist>?, name: String, value: String, spelledIn line: inout [UInt8]
    ) -> UnsafeMutablePointer<curl_slist>? {
        line.removeAll(keepingCapacity: true)
        line.append(contentsOf: name.utf8)
        if value.isEmpty {
            line.append(UInt8(ascii: ";"))
        } else {
            line.append(UInt8(ascii: ":"))
            line.append(UInt8(ascii: " "))
            line.append(contentsOf: value.utf8)
        }
        line.append(0)
        return line.withUnsafeBytes { bytes in
            curl_slist_append(list, bytes.baseAddress!.assumingMemoryBound(to: CChar.self))
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
            curl_multi_remove_handle(self.multi, raw)
            self.finish(transfer, with: self.outcome(of: transfer, code: code))
        }
    }

    private func outcome(of transfer: CurlTransfer, code: CURLcode) -> UpstreamEvent {
        if let reason = transfer.curlAbortReason { return .failed(reason) }
        let description = String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_OK:
            return transfer.curlHeadDelivered ? .end : .failed(.invalidResponse("no response head"))
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

    /// Reports `event`, returns the easy handle to the pool and hands the slot on.
    private func finish(_ transfer: CurlTransfer, with event: UpstreamEvent) {
        self.markForDelivery(transfer, transfer.curlEnqueue(event))
        self.release(transfer)
    }

    private func release(_ transfer: CurlTransfer) {
        transfer.curlSettle()
        if let easy = transfer.curlEasy {
            curl_easy_reset(easy.raw)
            if self.idleEasyHandles.count < Self.maxIdleEasyHandles {
                self.idleEasyHandles.append(easy.raw)
            } else {
                curl_easy_cleanup(easy.raw)
            }
        }
        curl_slist_free_all(transfer.curlHeaderList)
        transfer.curlHeaderList = nil
        transfer.curlEasy = nil
        transfer.curlActive = false
        self.active[ObjectIdentifier(transfer)] = nil
        self.transfersInFlight.subtract(1, ordering: .relaxed)
        if let next = self.slots.release(transfer.request.poolKey) {
            self.begin(next)
        }
    }

    func markForDelivery(_ transfer: CurlTransfer, _ needed: Bool) {
        if needed { self.pendingDelivery.append(transfer) }
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
        self.inbox.withLock { $0.closed = true }
        // No submit can start a wakeup now; let those under way finish before the multi handle goes.
        while self.wakersInProgress.load(ordering: .acquiring) > 0 { sched_yield() }
        // Releasing a transfer may start a waiter for its slot; keep going until none is left.
        while let transfer = self.active.values.first {
            curl_multi_remove_handle(self.multi, transfer.curlEasy!.raw)
            self.finish(transfer, with: .failed(.unavailable("the gateway is shutting down")))
        }
        self.deliverPendingEvents()
        for easy in self.idleEasyHandles { curl_easy_cleanup(easy) }
        self.idleEasyHandles.removeAll()
        curl_multi_cleanup(self.multi)
        self.finished.signal()
    }
}
