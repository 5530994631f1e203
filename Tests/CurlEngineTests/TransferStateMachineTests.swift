import NIOCore
import Testing

@testable import CurlEngine

/// Every (state, event) pair of `TransferStateMachine`: the action it returns and the state it
/// leaves, or a precondition failure (checked in a child process by an exit test).
@Suite("TransferStateMachine: transition table")
struct TransferStateMachineTests {
    typealias Machine = TransferStateMachine
    typealias Action = TransferStateMachine.Action

    enum StateName: String, CaseIterable, Codable, Sendable {
        case created, queued, running, finishing, done, cancelledUnseen, cancelledQueued, cancelledInCurl, cancelledReleased
    }

    enum EventName: String, CaseIterable, Codable, Sendable {
        case startAccepted, refused, slotGranted, queueDeadlinePassed, beginFailed, cancelApplied, resumeApplied,
            resumeFailed, curlFinished, shutdown, headReceived, headRejected, responseBytesOffered, earlyEndDue,
            uploadWanted, requestBodyAppended, requestBodyEnded, responseBytesReleased, cancel
    }

    enum Expected: Equatable {
        case action(Action, leaving: Machine.State)
        case preconditionFailure
    }

    static let head = UpstreamResponseHead(status: 200, reason: "OK", headers: [])
    static let shuttingDown = UpstreamFailure.unavailable("the gateway is shutting down")

    /// A machine driven into `state` the way the engine gets there (a request with a body).
    static func machine(in state: StateName) -> Machine {
        var machine = Machine(hasUpload: true, flow: TransferFlowControl(highWater: 100, lowWater: 40))
        switch state {
        case .created: break
        case .queued: _ = machine.startAccepted(slotFree: false)
        case .running: _ = machine.startAccepted(slotFree: true)
        case .finishing:
            _ = machine.startAccepted(slotFree: true)
            _ = machine.headReceived(head, bodyLength: 0)  // complete at once; the upload is not
        case .done:
            _ = machine.startAccepted(slotFree: true)
            _ = machine.curlFinished(.failed(.unavailable("refused")))
        case .cancelledUnseen: _ = machine.cancel()
        case .cancelledQueued:
            _ = machine.startAccepted(slotFree: false)
            _ = machine.cancel()
        case .cancelledInCurl:
            _ = machine.startAccepted(slotFree: true)
            _ = machine.cancel()
        case .cancelledReleased:
            _ = machine.startAccepted(slotFree: true)
            _ = machine.curlFinished(.end)
            _ = machine.cancel()
        }
        return machine
    }

    static func apply(_ event: EventName, to machine: inout Machine) -> Action {
        switch event {
        case .startAccepted: return machine.startAccepted(slotFree: true)
        case .refused: return machine.refused(.unavailable("refused"))
        case .slotGranted: return machine.slotGranted()
        case .queueDeadlinePassed: return machine.queueDeadlinePassed(afterMs: 5)
        case .beginFailed: return machine.beginFailed(.unavailable("options"))
        case .cancelApplied: return machine.cancelApplied()
        case .resumeApplied: return machine.resumeApplied(receive: true)
        case .resumeFailed: return machine.resumeFailed(code: 43)
        case .curlFinished: return machine.curlFinished(.end)
        case .shutdown: return machine.shutdown()
        case .headReceived: return machine.headReceived(head, bodyLength: nil)
        case .headRejected: return machine.headRejected(.invalidResponse("bad"))
        case .responseBytesOffered: return machine.responseBytesOffered(10)
        case .earlyEndDue: return machine.earlyEndDue()
        case .uploadWanted:
            var scratch = [UInt8](repeating: 0, count: 8)
            return scratch.withUnsafeMutableBytes { machine.uploadWanted(into: $0) }
        case .requestBodyAppended: return machine.requestBodyAppended(ByteBuffer(repeating: 1, count: 4))
        case .requestBodyEnded: return machine.requestBodyEnded()
        case .responseBytesReleased: return machine.responseBytesReleased(0, discarded: false)
        case .cancel: return machine.cancel()
        }
    }

    /// The table. Rows not listed for a state are precondition failures.
    static func expected(_ state: StateName, _ event: EventName) -> Expected {
        let released = Machine.State.cancelled(.released)
        let appended = Action.appended(keepReading: true, resumeSend: false)
        let resumeFailure = UpstreamEvent.failed(.invalidResponse("curl could not resume the transfer (curl_easy_pause: 43)"))
        let rows: [EventName: Expected]
        switch state {
        case .created:
            rows = [
                .startAccepted: .action(.begin, leaving: .running),
                .refused: .action(.deliver(.failed(.unavailable("refused"))), leaving: .done),
                .queueDeadlinePassed: .action(.none, leaving: .created),
                .resumeFailed: .action(.none, leaving: .created),
                .shutdown: .action(.none, leaving: .created),
                .requestBodyAppended: .action(appended, leaving: .created),
                .requestBodyEnded: .action(.none, leaving: .created),
                .cancel: .action(.none, leaving: .cancelled(.unseen)),
            ]
        case .queued:
            rows = [
                .slotGranted: .action(.begin, leaving: .running),
                .queueDeadlinePassed: .action(.leaveQueue(.busy("no connection slot within 5 ms")), leaving: .done),
                .resumeFailed: .action(.none, leaving: .queued),
                .shutdown: .action(.leaveQueue(shuttingDown), leaving: .done),
                .requestBodyAppended: .action(appended, leaving: .queued),
                .requestBodyEnded: .action(.none, leaving: .queued),
                .cancel: .action(.requestCancel, leaving: .cancelled(.queued)),
            ]
        case .running:
            rows = [
                .queueDeadlinePassed: .action(.none, leaving: .running),
                .beginFailed: .action(.finish(.failed(.unavailable("options"))), leaving: .done),
                .resumeApplied: .action(.applyPause(0), leaving: .running),
                .resumeFailed: .action(.finish(resumeFailure), leaving: .done),
                .curlFinished: .action(.finish(.failed(.invalidResponse("no response head"))), leaving: .done),
                .shutdown: .action(.finish(.failed(shuttingDown)), leaving: .done),
                .headReceived: .action(.deliverHead(head, then: .nothing), leaving: .running),
                .headRejected: .action(.abort, leaving: .running),
                .responseBytesOffered: .action(.takeResponseBytes(endEarly: false), leaving: .running),
                .uploadWanted: .action(.upload(.pause, resumeClientReads: false), leaving: .running),
                .requestBodyAppended: .action(appended, leaving: .running),
                .requestBodyEnded: .action(.none, leaving: .running),
                .responseBytesReleased: .action(.none, leaving: .running),
                .cancel: .action(.requestCancel, leaving: .cancelled(.inCurl)),
            ]
        case .finishing:
            rows = [
                .queueDeadlinePassed: .action(.none, leaving: .finishing),
                .resumeApplied: .action(.applyPause(0), leaving: .finishing),
                .resumeFailed: .action(.finish(resumeFailure), leaving: .done),
                .curlFinished: .action(.finish(.end), leaving: .done),
                .shutdown: .action(.finish(.failed(shuttingDown)), leaving: .done),
                .responseBytesOffered: .action(.takeResponseBytes(endEarly: false), leaving: .finishing),
                .earlyEndDue: .action(.finish(.end), leaving: .done),
                .uploadWanted: .action(.stopUpload, leaving: .finishing),
                .requestBodyAppended: .action(appended, leaving: .finishing),
                .requestBodyEnded: .action(.none, leaving: .finishing),
                .responseBytesReleased: .action(.none, leaving: .finishing),
                .cancel: .action(.requestCancel, leaving: .cancelled(.inCurl)),
            ]
        case .done:
            rows = [
                .queueDeadlinePassed: .action(.none, leaving: .done),
                .resumeApplied: .action(.none, leaving: .done),
                .resumeFailed: .action(.none, leaving: .done),
                .shutdown: .action(.none, leaving: .done),
                .earlyEndDue: .action(.none, leaving: .done),
                .requestBodyAppended: .action(appended, leaving: .done),
                .requestBodyEnded: .action(.none, leaving: .done),
                .responseBytesReleased: .action(.none, leaving: .done),
                .cancel: .action(.none, leaving: released),
            ]
        case .cancelledUnseen:
            rows = Self.cancelledRows(.unseen).merging([
                .startAccepted: .action(.drop, leaving: released),
                .refused: .action(.none, leaving: released),
            ]) { $1 }
        case .cancelledQueued:
            rows = Self.cancelledRows(.queued).merging([
                .slotGranted: .action(.passSlotOn, leaving: released),
                .cancelApplied: .action(.leaveQueue(nil), leaving: released),
                .shutdown: .action(.leaveQueue(nil), leaving: released),
            ]) { $1 }
        case .cancelledInCurl:
            rows = Self.cancelledRows(.inCurl).merging([
                .beginFailed: .action(.finish(nil), leaving: released),
                .cancelApplied: .action(.finish(nil), leaving: released),
                .curlFinished: .action(.finish(nil), leaving: released),
                .shutdown: .action(.finish(nil), leaving: released),
                .headReceived: .action(.none, leaving: .cancelled(.inCurl)),
                .headRejected: .action(.abort, leaving: .cancelled(.inCurl)),
                .responseBytesOffered: .action(.dropResponseBytes, leaving: .cancelled(.inCurl)),
                .uploadWanted: .action(.stopUpload, leaving: .cancelled(.inCurl)),
            ]) { $1 }
        case .cancelledReleased:
            rows = Self.cancelledRows(.released)
        }
        return rows[event] ?? .preconditionFailure
    }

    /// What every cancelled transfer answers the same way: late news is ignored.
    static func cancelledRows(_ place: Machine.Place) -> [EventName: Expected] {
        let same = Machine.State.cancelled(place)
        return [
            .queueDeadlinePassed: .action(.none, leaving: same),
            .cancelApplied: .action(.none, leaving: same),
            .resumeApplied: .action(.none, leaving: same),
            .resumeFailed: .action(.none, leaving: same),
            .shutdown: .action(.none, leaving: same),
            .earlyEndDue: .action(.none, leaving: same),
            .requestBodyAppended: .action(.appended(keepReading: true, resumeSend: false), leaving: same),
            .requestBodyEnded: .action(.none, leaving: same),
            .responseBytesReleased: .action(.none, leaving: same),
            .cancel: .action(.none, leaving: same),
        ]
    }

    static let allPairs = StateName.allCases.flatMap { state in EventName.allCases.map { (state, $0) } }
    static let allowedPairs = allPairs.filter { expected($0, $1) != .preconditionFailure }
    static let forbiddenPairs = allPairs.filter { expected($0, $1) == .preconditionFailure }

    @Test(arguments: allowedPairs)
    func allowedTransition(state: StateName, event: EventName) {
        var machine = Self.machine(in: state)
        let action = Self.apply(event, to: &machine)
        #expect(Expected.action(action, leaving: machine.state) == Self.expected(state, event))
    }

    @Test(arguments: forbiddenPairs)
    func impossibleTransitionIsAPreconditionFailure(state: StateName, event: EventName) async {
        await #expect(processExitsWith: .failure) { [state, event] in
            var machine = TransferStateMachineTests.machine(in: state)
            _ = TransferStateMachineTests.apply(event, to: &machine)
        }
    }

    // MARK: Byte accounting as transitions (F10) and the upload rules (F1)

    @Test func cancelReleasesEveryCountedByteAndLateReleasesAreIgnored() {
        var machine = Self.machine(in: .running)
        _ = machine.requestBodyAppended(ByteBuffer(repeating: 1, count: 10))
        _ = machine.headReceived(Self.head, bodyLength: nil)
        _ = machine.responseBytesOffered(30)
        #expect(machine.countedBytes == 40)
        let cancel = machine.cancel()
        let late = [machine.responseBytesReleased(30, discarded: false), machine.responseBytesReleased(30, discarded: true)]
        #expect(cancel == .requestCancel)
        #expect(late == [.none, .none])
        #expect(machine.countedBytes == 0)
    }

    @Test func cancelWhileQueuedReleasesTheRequestBody() {
        var machine = Self.machine(in: .queued)
        _ = machine.requestBodyAppended(ByteBuffer(repeating: 1, count: 4096))
        #expect(machine.countedBytes == 4096)
        _ = machine.cancel()
        #expect(machine.countedBytes == 0)
    }

    @Test func endingDropsUnsentBodyButResponseBytesCountUntilWritten() {
        var machine = Self.machine(in: .running)
        _ = machine.requestBodyAppended(ByteBuffer(repeating: 1, count: 10))
        _ = machine.headReceived(Self.head, bodyLength: nil)
        _ = machine.responseBytesOffered(25)
        let finish = machine.curlFinished(.end)
        #expect(finish == .finish(.end))
        #expect(machine.countedBytes == 25)
        _ = machine.responseBytesReleased(25, discarded: false)
        #expect(machine.countedBytes == 0)
    }

    @Test func headWhileSendIsPausedAsksForASendResumeOnce() {
        var machine = Self.machine(in: .running)
        _ = machine.requestBodyAppended(ByteBuffer(repeating: 1, count: 3))
        var scratch = [UInt8](repeating: 0, count: 8)
        let reads = [
            scratch.withUnsafeMutableBytes { machine.uploadWanted(into: $0) },
            scratch.withUnsafeMutableBytes { machine.uploadWanted(into: $0) },
        ]
        #expect(reads == [.upload(.bytes(3), resumeClientReads: false), .upload(.pause, resumeClientReads: false)])
        let head = machine.headReceived(Self.head, bodyLength: nil)
        #expect(head == .deliverHead(Self.head, then: .resumeSend))
        #expect(machine.resumeApplied(receive: false) == .applyPause(0))
        #expect(machine.state == .running)
    }

    @Test func lastResponseByteWithUnfinishedUploadEndsEarly() {
        var machine = Self.machine(in: .running)
        let head = machine.headReceived(Self.head, bodyLength: 5)
        let bytes = [machine.responseBytesOffered(3), machine.responseBytesOffered(2)]
        #expect(head == .deliverHead(Self.head, then: .nothing))
        #expect(bytes == [.takeResponseBytes(endEarly: false), .takeResponseBytes(endEarly: true)])
        #expect(machine.earlyEndDue() == .finish(.end))
    }

    @Test func completeUploadLetsCurlEndTheResponseItself() {
        var machine = Self.machine(in: .running)
        _ = machine.requestBodyAppended(ByteBuffer(repeating: 1, count: 2))
        _ = machine.requestBodyEnded()
        var scratch = [UInt8](repeating: 0, count: 8)
        _ = scratch.withUnsafeMutableBytes { machine.uploadWanted(into: $0) }
        let end = scratch.withUnsafeMutableBytes { machine.uploadWanted(into: $0) }
        _ = machine.headReceived(Self.head, bodyLength: 2)
        let bytes = machine.responseBytesOffered(2)
        #expect(end == .upload(.end, resumeClientReads: false))
        #expect(bytes == .takeResponseBytes(endEarly: false))  // curl ends it and may reuse the connection
    }

    @Test func headAndBodyOfAHeadRequestNeverWaitForAnUpload() {
        var machine = Machine(hasUpload: false)
        _ = machine.startAccepted(slotFree: true)
        let appended = machine.requestBodyAppended(ByteBuffer(repeating: 1, count: 10))
        #expect(appended == .appended(keepReading: true, resumeSend: false))
        #expect(machine.countedBytes == 0)
        #expect(machine.headReceived(Self.head, bodyLength: 0) == .deliverHead(Self.head, then: .nothing))
    }

    @Test func failedResumeFailsTheTransferInsteadOfLeavingItSilent() {
        var machine = Self.machine(in: .running)
        let action = machine.resumeFailed(code: 43)
        #expect(action == .finish(.failed(.invalidResponse("curl could not resume the transfer (curl_easy_pause: 43)"))))
        #expect(machine.state == .done)
    }
}
