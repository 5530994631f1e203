import NIOCore
import Testing

@testable import CurlEngine

/// The credit rules, step by step. Each step is (operation, expected outcome); mutating calls
/// run outside `#expect`, which cannot capture inout state.
@Suite("TransferFlowControl: credit-based backpressure")
struct TransferFlowControlTests {
    private func buffer(_ count: Int) -> ByteBuffer {
        ByteBuffer(repeating: 7, count: count)
    }

    /// One read callback of `capacity` bytes: what it returned and the bytes it copied.
    private func read(
        _ flow: inout TransferFlowControl, capacity: Int
    ) -> (result: TransferFlowControl.UploadRead, resumeClientReads: Bool, bytes: [UInt8]) {
        var out = [UInt8](repeating: 0, count: capacity)
        let (result, resume) = out.withUnsafeMutableBytes { flow.readUpload(into: $0) }
        if case .bytes(let n) = result { out.removeLast(capacity - n) }
        return (result, resume, out)
    }

    @Test func downloadPausesAtHighWaterAndResumesOnceAtLowWater() {
        var flow = TransferFlowControl(highWater: 100, lowWater: 40)
        var outcomes: [Bool] = []
        outcomes.append(flow.offerDownstream(count: 60))
        outcomes.append(flow.offerDownstream(count: 60))  // 120 in flight: over the mark, but already taken
        outcomes.append(flow.offerDownstream(count: 10))  // at/over the mark: pause, bytes not taken
        #expect(outcomes == [true, true, false])
        #expect(flow.receivePaused)
        #expect(flow.downstreamBytesInFlight == 120)
        outcomes = [
            flow.downstreamWritten(count: 60),  // 60 left: above low water
            flow.downstreamWritten(count: 20),  // 40: resume requested
            flow.downstreamWritten(count: 10),  // already requested: no second command
        ]
        #expect(outcomes == [false, true, false])
        flow.receiveResumed()
        #expect(!flow.receivePaused)
        let accepted = flow.offerDownstream(count: 10)
        #expect(accepted)
    }

    @Test func downloadWrittenWithoutPauseNeverAsksForResume() {
        var flow = TransferFlowControl(highWater: 100, lowWater: 40)
        let accepted = flow.offerDownstream(count: 90)
        let resume = flow.downstreamWritten(count: 90)
        #expect(accepted && !resume)
    }

    /// A buffer curl has read to its end stays referenced by the flow until the event loop
    /// takes it, so its last reference goes there, not on the curl thread.
    @Test func spentUploadBuffersWaitForTheEventLoop() {
        var flow = TransferFlowControl(highWater: 100, lowWater: 40)
        _ = flow.appendUpload(buffer(20))
        _ = flow.appendUpload(buffer(20))
        _ = read(&flow, capacity: 30)  // the first read whole, the second in part
        #expect(flow.spentUpload.count == 1)
        _ = read(&flow, capacity: 30)
        #expect(flow.spentUpload.count == 2)
        let spent = flow.takeSpentUpload()
        #expect(spent.count == 2)
        #expect(flow.spentUpload.isEmpty)
        #expect(flow.takeSpentUpload().isEmpty)
    }

    @Test func uploadHoldsClientReadsAtHighWaterAndReleasesAtLowWater() {
        var flow = TransferFlowControl(highWater: 100, lowWater: 40)
        let first = flow.appendUpload(buffer(50))
        let second = flow.appendUpload(buffer(50))
        #expect(first == .init(resumeSend: false, keepReading: true))
        #expect(second == .init(resumeSend: false, keepReading: false))
        #expect(flow.clientReadsHeld)
        let read1 = read(&flow, capacity: 30)
        #expect(read1.result == .bytes(30))
        #expect(!read1.resumeClientReads)  // 70 left
        let read2 = read(&flow, capacity: 30)
        #expect(read2.result == .bytes(30))
        #expect(read2.resumeClientReads)  // 40 left: at low water
        #expect(!flow.clientReadsHeld)
    }

    @Test func uploadPausesCurlOnEmptyBufferAndWakesItOnData() {
        var flow = TransferFlowControl(highWater: 100, lowWater: 40)
        let empty = read(&flow, capacity: 16)
        #expect(empty.result == .pause)
        #expect(flow.sendPaused)
        let first = flow.appendUpload(buffer(8))
        let second = flow.appendUpload(buffer(8))
        #expect(first.resumeSend)
        #expect(!second.resumeSend)  // one wake-up is enough
        flow.sendResumed()
        let full = read(&flow, capacity: 16)
        #expect(full.result == .bytes(16))
    }

    @Test func uploadEndsOnlyAfterTheBufferDrains() {
        var flow = TransferFlowControl(highWater: 100, lowWater: 40)
        _ = flow.appendUpload(buffer(10))
        let wake = flow.endUpload()
        #expect(!wake)  // curl was not paused
        let data = read(&flow, capacity: 64)
        let end = read(&flow, capacity: 64)
        #expect(data.result == .bytes(10))
        #expect(end.result == .end)
    }

    @Test func endWakesAPausedSender() {
        var flow = TransferFlowControl(highWater: 100, lowWater: 40)
        let empty = read(&flow, capacity: 8)
        let wake = flow.endUpload()
        flow.sendResumed()
        let end = read(&flow, capacity: 8)
        #expect(empty.result == .pause)
        #expect(wake)
        #expect(end.result == .end)
    }

    @Test func readCopiesAcrossBufferBoundariesInOrder() {
        var flow = TransferFlowControl(highWater: 1000, lowWater: 10)
        _ = flow.appendUpload(ByteBuffer(bytes: [1, 2, 3]))
        _ = flow.appendUpload(ByteBuffer(bytes: [4, 5]))
        _ = flow.appendUpload(ByteBuffer(bytes: [6, 7, 8, 9]))
        let reads = [read(&flow, capacity: 4), read(&flow, capacity: 4), read(&flow, capacity: 4)]
        #expect(reads.map(\.bytes) == [[1, 2, 3, 4], [5, 6, 7, 8], [9]])
        #expect(reads.map(\.result) == [.bytes(4), .bytes(4), .bytes(1)])
        #expect(flow.uploadBytesBuffered == 0)
    }
}
