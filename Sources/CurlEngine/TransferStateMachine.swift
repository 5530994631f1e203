import NIOCore

/// One transfer's lifecycle as a pure value: every event, from the event loop or from curl's
/// thread, is a transition that returns what its caller must do. The slot, the pause bits and
/// the bytes counted as buffered change only here, so no path can forget to release them.
///
/// `CurlTransfer` keeps one instance behind its mutex; `CurlShard`, `CurlTransfer` and
/// `CurlCallbacks` only execute the actions.
///
/// Pairs that cannot happen (curl calling back a transfer it does not have, a slot granted to
/// a transfer that never queued) are precondition failures; pairs that races make possible
/// (a late resume, bytes written after a cancel) are no-ops.
struct TransferStateMachine {
    enum State: Equatable {
        /// Handed to the engine; its shard has not taken it yet.
        case created
        /// Waiting for one of its pool's connection slots.
        case queued
        /// curl has it (the flow control says which directions are paused).
        case running
        /// The response is complete while the request body is not: the shard is about to take
        /// the transfer out of curl and report `.end`.
        ///
        /// Why (curl 7.88.1): `Curl_readwrite` calls a transfer done only when none of
        /// KEEP_RECV, KEEP_SEND and their PAUSE bits is left (lib/transfer.c); after a
        /// complete 2xx answer KEEP_SEND stays until the whole upload went out, so a client
        /// that waits for the answer before sending more would wait forever. Only a response
        /// whose end we can count (Content-Length, none for 204/304, or the last chunk, which
        /// the engine's `ChunkedBodyDecoder` finds in the raw body) is known complete;
        /// then the upload is abandoned by `curl_multi_remove_handle`, which ends the
        /// unfinished transfer as premature and closes its connection (lib/multi.c,
        /// `multi_done`): a half-sent body never leaves a connection for reuse. A
        /// close-delimited 2xx cannot be counted; the server's idle timeout ends it.
        case finishing
        /// The final event is out and curl let go; response bytes may count until written.
        case done
        /// Abandoned by the event loop; `Place` is what the shard still has to undo.
        case cancelled(Place)
    }

    /// What the shard does once the head is out.
    enum AfterHead: Equatable {
        case nothing
        /// Unpause sending: curl 7.88 clears KEEP_SEND on an early error answer but keeps
        /// KEEP_SEND_PAUSE, and a transfer with either bit set never completes. Once unpaused,
        /// curl sees that sending is over (or, if it is not, a read callback pauses it again).
        case resumeSend
        /// The head completes the response (no body) while the upload is unfinished.
        case endEarly
    }

    /// Where a cancelled transfer still is, from the shard's point of view.
    enum Place: Equatable {
        case unseen, queued, inCurl, released
    }

    enum Action: Equatable {
        case none
        /// Hand the transfer to curl (the slot is its own now).
        case begin
        /// Leave it in its pool's queue until a slot is free or its queue deadline passes.
        case wait
        /// Forget it: it was cancelled before its shard saw it.
        case drop
        /// It was cancelled while queued and has just been handed a slot: pass the slot on.
        case passSlotOn
        /// Take it out of its pool's queue, reporting the failure, if any.
        case leaveQueue(UpstreamFailure?)
        /// Take it out of curl, free its easy handle and slot, and report the event, if any.
        case finish(UpstreamEvent?)
        /// Report the event without involving curl (a start refused at the door).
        case deliver(UpstreamEvent)
        /// Header callback: report the head, then do `then`.
        case deliverHead(UpstreamResponseHead, then: AfterHead)
        /// Header callback: the head is invalid; abort the transfer.
        case abort
        /// Write callback: copy the bytes out and report them; `endEarly`: they complete the
        /// response while the upload is unfinished, so the shard ends the transfer after this pass.
        case takeResponseBytes(endEarly: Bool)
        /// Write callback: leave the bytes with curl and pause receiving.
        case pauseReceive
        /// Write callback for a cancelled transfer: accept the bytes and drop them.
        case dropResponseBytes
        /// Read callback: what to return to curl.
        case upload(TransferFlowControl.UploadRead, resumeClientReads: Bool)
        /// Read callback: stop the upload (CURL_READFUNC_ABORT), which also closes the connection.
        case stopUpload
        /// Event loop: the body piece was taken; `false` means hold client reads.
        case appended(keepReading: Bool, resumeSend: Bool)
        /// Event loop: ask the shard to apply the pause bits again (a direction may resume).
        case requestResume(receive: Bool)
        /// Event loop: ask the shard to take the transfer out of its queue or out of curl.
        case requestCancel
        /// Shard: call `curl_easy_pause` with this mask.
        case applyPause(Int32)
    }

    private(set) var state: State = .created
    private(set) var flow: TransferFlowControl
    /// The request carries a body for curl to read (not for HEAD, which is sent without one).
    let hasUpload: Bool
    /// curl's read callback returned the end of the body.
    private var uploadSent: Bool
    private var headDelivered = false
    /// Why a callback aborted the transfer, so its end reports that instead of curl's code.
    private var abortReason: UpstreamFailure?
    /// What the head announced (nil: chunked or until close) and what has arrived since.
    private var announcedBodyLength: Int?
    private var receivedBodyBytes = 0
    /// The engine's own chunk decoder saw the end of a chunked body.
    private var chunkedBodyComplete = false

    init(hasUpload: Bool, flow: TransferFlowControl = TransferFlowControl()) {
        self.hasUpload = hasUpload
        self.uploadSent = !hasUpload
        self.flow = flow
    }

    /// Bytes this transfer counts in the engine's `bufferedBytes`: request body waiting for
    /// curl plus response bytes the event loop has not written or discarded.
    var countedBytes: Int { self.flow.uploadBytesBuffered + self.flow.downstreamBytesInFlight }

    /// On the event loop: the upload buffers curl is done with (`TransferFlowControl.spentUpload`).
    mutating func takeSpentUpload() -> [ByteBuffer] { self.flow.takeSpentUpload() }

    // MARK: Shard

    /// The shard took the start command; `slotFree` says whether the pool has room.
    mutating func startAccepted(slotFree: Bool) -> Action {
        switch self.state {
        case .created:
            self.state = slotFree ? .running : .queued
            return slotFree ? .begin : .wait
        case .cancelled(.unseen):
            self.state = .cancelled(.released)
            return .drop
        case .queued, .running, .finishing, .done, .cancelled:
            preconditionFailure("start accepted twice (\(self.state))")
        }
    }

    /// The start never reached a shard (the engine is shutting down).
    mutating func refused(_ failure: UpstreamFailure) -> Action {
        switch self.state {
        case .created:
            self.state = .done
            return .deliver(.failed(failure))
        case .cancelled(.unseen):
            self.state = .cancelled(.released)
            return .none
        case .queued, .running, .finishing, .done, .cancelled:
            preconditionFailure("refused after the shard took it (\(self.state))")
        }
    }

    /// A slot freed by another transfer passes to this waiter.
    mutating func slotGranted() -> Action {
        switch self.state {
        case .queued:
            self.state = .running
            return .begin
        case .cancelled(.queued):
            self.state = .cancelled(.released)
            return .passSlotOn
        case .created, .running, .finishing, .done, .cancelled:
            preconditionFailure("slot granted to a transfer that was not waiting (\(self.state))")
        }
    }

    /// Its queue deadline passed. Deadlines are not withdrawn, so this may come late.
    mutating func queueDeadlinePassed(afterMs waited: Int) -> Action {
        guard case .queued = self.state else { return .none }
        self.settle()
        self.state = .done
        return .leaveQueue(.busy("no connection slot within \(waited) ms"))
    }

    /// curl would not take the transfer (options refused, handle not added, header list not built).
    mutating func beginFailed(_ failure: UpstreamFailure) -> Action {
        switch self.state {
        case .running:
            self.settle()
            self.state = .done
            return .finish(.failed(failure))
        case .cancelled(.inCurl):
            self.state = .cancelled(.released)
            return .finish(nil)
        case .created, .queued, .finishing, .done, .cancelled:
            preconditionFailure("begin failed for a transfer not being begun (\(self.state))")
        }
    }

    /// The shard applies a cancel command.
    mutating func cancelApplied() -> Action {
        switch self.state {
        case .cancelled(.queued):
            self.state = .cancelled(.released)
            return .leaveQueue(nil)
        case .cancelled(.inCurl):
            self.state = .cancelled(.released)
            return .finish(nil)
        case .cancelled(.unseen), .cancelled(.released):
            return .none
        case .created, .queued, .running, .finishing, .done:
            preconditionFailure("cancel command without a cancel (\(self.state))")
        }
    }

    /// The shard applies a resume command (or its own request to unpause sending).
    mutating func resumeApplied(receive: Bool) -> Action {
        switch self.state {
        case .running, .finishing:
            if receive { self.flow.receiveResumed() } else { self.flow.sendResumed() }
            return .applyPause(self.pauseMask)
        case .done, .cancelled:
            return .none  // curl no longer has it
        case .created, .queued:
            preconditionFailure("resume for a transfer curl never had (\(self.state))")
        }
    }

    /// `curl_easy_pause` failed: the transfer would stay silent forever, so it fails now.
    mutating func resumeFailed(code: Int) -> Action {
        switch self.state {
        case .running, .finishing:
            self.settle()
            self.state = .done
            return .finish(.failed(.invalidResponse("curl could not resume the transfer (curl_easy_pause: \(code))")))
        case .created, .queued, .done, .cancelled:
            return .none
        }
    }

    /// curl reported the transfer done with `outcome` (`.end` for CURLE_OK, else the failure).
    mutating func curlFinished(_ outcome: UpstreamEvent) -> Action {
        switch self.state {
        case .running:
            self.settle()
            self.state = .done
            if let reason = self.abortReason { return .finish(.failed(reason)) }
            if case .end = outcome, !self.headDelivered { return .finish(.failed(.invalidResponse("no response head"))) }
            return .finish(outcome)
        case .finishing:
            // The response was complete; whatever curl says about the upload we abandoned.
            self.settle()
            self.state = .done
            return .finish(.end)
        case .cancelled(.inCurl):
            self.state = .cancelled(.released)
            return .finish(nil)
        case .created, .queued, .done, .cancelled:
            preconditionFailure("curl finished a transfer it did not have (\(self.state))")
        }
    }

    /// The engine stops: whatever it still holds ends.
    mutating func shutdown() -> Action {
        let failure = UpstreamFailure.unavailable("the gateway is shutting down")
        switch self.state {
        case .queued:
            self.settle()
            self.state = .done
            return .leaveQueue(failure)
        case .running, .finishing:
            self.settle()
            self.state = .done
            return .finish(.failed(failure))
        case .cancelled(.queued):
            self.state = .cancelled(.released)
            return .leaveQueue(nil)
        case .cancelled(.inCurl):
            self.state = .cancelled(.released)
            return .finish(nil)
        case .created, .done, .cancelled(.unseen), .cancelled(.released):
            return .none
        }
    }

    // MARK: curl callbacks

    /// The header callback completed the final head; `bodyLength` is what it announces.
    mutating func headReceived(_ head: UpstreamResponseHead, bodyLength: Int?) -> Action {
        switch self.state {
        case .running:
            self.headDelivered = true
            self.announcedBodyLength = bodyLength
            if self.responseComplete, !self.uploadSent {
                self.state = .finishing
                return .deliverHead(head, then: .endEarly)
            }
            return .deliverHead(head, then: self.flow.requestSendResume() ? .resumeSend : .nothing)
        case .cancelled(.inCurl):
            return .none
        case .created, .queued, .finishing, .done, .cancelled:
            preconditionFailure("head for a transfer curl is not receiving (\(self.state))")
        }
    }

    /// The header callback found the head invalid or too large.
    mutating func headRejected(_ failure: UpstreamFailure) -> Action {
        switch self.state {
        case .running:
            self.abortReason = failure
            return .abort
        case .cancelled(.inCurl):
            return .abort
        case .created, .queued, .finishing, .done, .cancelled:
            preconditionFailure("head for a transfer curl is not receiving (\(self.state))")
        }
    }

    /// The write callback offers `count` response body bytes; `completeBody` when they end a
    /// chunked body.
    mutating func responseBytesOffered(_ count: Int, completeBody: Bool = false) -> Action {
        switch self.state {
        case .running, .finishing:
            guard self.flow.offerDownstream(count: count) else { return .pauseReceive }
            self.receivedBodyBytes += count
            if completeBody { self.chunkedBodyComplete = true }
            guard case .running = self.state, self.responseComplete, !self.uploadSent else {
                return .takeResponseBytes(endEarly: false)
            }
            // curl 7.88 ends a transfer only once it has sent the whole upload; the response
            // is all here, so the upload is abandoned instead (the connection closes with it).
            self.state = .finishing
            return .takeResponseBytes(endEarly: true)
        case .cancelled(.inCurl):
            return .dropResponseBytes
        case .created, .queued, .done, .cancelled:
            preconditionFailure("response bytes for a transfer curl is not receiving (\(self.state))")
        }
    }

    /// The shard ends a transfer whose response completed before its upload (`endEarly`).
    mutating func earlyEndDue() -> Action {
        switch self.state {
        case .finishing:
            self.settle()
            self.state = .done
            return .finish(.end)
        case .done, .cancelled:
            return .none  // curl finished it, or the event loop cancelled it, first
        case .created, .queued, .running:
            preconditionFailure("early end for a transfer whose response is not complete (\(self.state))")
        }
    }

    /// The read callback wants request body bytes in `destination`.
    mutating func uploadWanted(into destination: UnsafeMutableRawBufferPointer) -> Action {
        switch self.state {
        case .running:
            let (result, resumeClientReads) = self.flow.readUpload(into: destination)
            if case .end = result { self.uploadSent = true }
            return .upload(result, resumeClientReads: resumeClientReads)
        case .finishing, .cancelled(.inCurl):
            // About to be taken out of curl; the body was not sent completely, and an abort
            // also makes sure the connection is not reused.
            return .stopUpload
        case .created, .queued, .done, .cancelled:
            preconditionFailure("upload read for a transfer curl is not sending (\(self.state))")
        }
    }

    // MARK: Event loop

    /// The client's body delivered `buffer`.
    mutating func requestBodyAppended(_ buffer: ByteBuffer) -> Action {
        switch self.state {
        case .created, .queued, .running:
            guard self.hasUpload, !self.uploadSent else { return .appended(keepReading: true, resumeSend: false) }
            let result = self.flow.appendUpload(buffer)
            return .appended(keepReading: result.keepReading, resumeSend: result.resumeSend)
        case .finishing, .done, .cancelled:
            return .appended(keepReading: true, resumeSend: false)  // no longer needed: dropped
        }
    }

    /// The client's body is complete.
    mutating func requestBodyEnded() -> Action {
        switch self.state {
        case .created, .queued, .running:
            guard self.hasUpload else { return .none }
            return self.flow.endUpload() ? .requestResume(receive: false) : .none
        case .finishing, .done, .cancelled:
            return .none
        }
    }

    /// The client connection took `count` response bytes, or dropped them (`discarded`).
    mutating func responseBytesReleased(_ count: Int, discarded: Bool) -> Action {
        switch self.state {
        case .running, .finishing:
            let resume = self.flow.downstreamWritten(count: count)
            return resume && !discarded ? .requestResume(receive: true) : .none
        case .done:
            _ = self.flow.downstreamWritten(count: count)
            return .none
        case .cancelled:
            return .none  // released when it was cancelled
        case .created, .queued:
            preconditionFailure("response bytes released before any were delivered (\(self.state))")
        }
    }

    /// The event loop abandons the transfer: every byte it counts is released at once.
    mutating func cancel() -> Action {
        let place: Place
        switch self.state {
        case .created: place = .unseen
        case .queued: place = .queued
        case .running, .finishing: place = .inCurl
        case .done: place = .released
        case .cancelled: return .none
        }
        self.settle()
        self.flow.releaseDownstream()
        self.state = .cancelled(place)
        return place == .queued || place == .inCurl ? .requestCancel : .none
    }

    // MARK: Helpers

    /// The mask `curl_easy_pause` must be given: the directions still paused.
    private var pauseMask: Int32 {
        (self.flow.receivePaused ? CurlPause.receive : 0) | (self.flow.sendPaused ? CurlPause.send : 0)
    }

    private var responseComplete: Bool {
        guard self.headDelivered else { return false }
        if self.chunkedBodyComplete { return true }
        guard let length = self.announcedBodyLength else { return false }
        return self.receivedBodyBytes >= length
    }

    /// Request body curl will never read stops counting.
    private mutating func settle() {
        self.flow.dropUpload()
    }
}

/// curl's CURLPAUSE_* bits (macros Swift does not import).
enum CurlPause {
    static let receive: Int32 = 1 << 0
    static let send: Int32 = 1 << 2
}
