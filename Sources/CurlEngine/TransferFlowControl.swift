import NIOCore

/// Credit-based backpressure for one transfer, in both directions, as a pure value type.
///
/// Download: bytes handed to the event loop count against `highWater` until the client socket
/// took them; at the mark curl's write callback pauses the transfer, and the event loop asks
/// for a resume once the count falls to `lowWater`.
/// Upload: client body bytes wait here until curl's read callback takes them; at `highWater`
/// the event loop stops reading the client, and curl asks it to resume at `lowWater`. An empty
/// buffer pauses curl's sending until more body arrives.
///
/// Every mutating method returns what its caller must do next, so the rules are testable
/// without threads or sockets. `TransferStateMachine` owns one instance per transfer.
public struct TransferFlowControl: Sendable {
    public let highWater: Int
    public let lowWater: Int

    public private(set) var downstreamBytesInFlight = 0
    public private(set) var receivePaused = false
    private var receiveResumeRequested = false

    private var upload = CircularBuffer<ByteBuffer>()
    /// Upload buffers curl has copied out, kept until the event loop takes them
    /// (`takeSpentUpload`): the last reference to a buffer read from the client goes on its
    /// event loop, whose receive-buffer pool writes into a buffer again as soon as it holds the
    /// only reference. Released on the curl thread, the only order between curl's last read
    /// and that write was the reference count, which ThreadSanitizer cannot see; this way it
    /// is the transfer's lock.
    public private(set) var spentUpload: [ByteBuffer] = []
    public private(set) var uploadBytesBuffered = 0
    public private(set) var uploadEnded = false
    public private(set) var sendPaused = false
    private var sendResumeRequested = false
    public private(set) var clientReadsHeld = false

    public init(highWater: Int = 256 * 1024, lowWater: Int = 64 * 1024) {
        precondition(lowWater < highWater)
        self.highWater = highWater
        self.lowWater = lowWater
    }

    // MARK: Download, curl thread

    /// curl offers `count` response bytes. `false` means: pause receiving, do not take them.
    public mutating func offerDownstream(count: Int) -> Bool {
        if self.downstreamBytesInFlight >= self.highWater {
            self.receivePaused = true
            return false
        }
        self.downstreamBytesInFlight += count
        return true
    }

    /// The curl thread unpaused receiving.
    public mutating func receiveResumed() {
        self.receivePaused = false
        self.receiveResumeRequested = false
    }

    // MARK: Download, event loop

    /// The client socket took `count` bytes. `true` means: ask curl to resume receiving.
    public mutating func downstreamWritten(count: Int) -> Bool {
        self.downstreamBytesInFlight -= count
        guard self.receivePaused, !self.receiveResumeRequested,
            self.downstreamBytesInFlight <= self.lowWater
        else { return false }
        self.receiveResumeRequested = true
        return true
    }

    // MARK: Upload, event loop

    public struct AppendResult: Equatable, Sendable {
        /// Ask curl to resume sending (it had paused on an empty buffer).
        public var resumeSend: Bool
        /// Keep reading the client; `false` means hold reads until `uploadCanResume`.
        public var keepReading: Bool
    }

    public mutating func appendUpload(_ buffer: ByteBuffer) -> AppendResult {
        self.uploadBytesBuffered += buffer.readableBytes
        self.upload.append(buffer)
        let keepReading = self.uploadBytesBuffered < self.highWater
        if !keepReading { self.clientReadsHeld = true }
        return AppendResult(resumeSend: self.requestSendResume(), keepReading: keepReading)
    }

    /// The client's body is complete. `true` means: ask curl to resume sending.
    public mutating func endUpload() -> Bool {
        self.uploadEnded = true
        return self.requestSendResume()
    }

    /// `true` (once per pause) when curl's sending is paused and should be resumed.
    public mutating func requestSendResume() -> Bool {
        guard self.sendPaused, !self.sendResumeRequested else { return false }
        self.sendResumeRequested = true
        return true
    }

    // MARK: Upload, curl thread

    public enum UploadRead: Equatable, Sendable {
        case bytes(Int)
        case pause
        case end
    }

    /// Copies up to `capacity` body bytes into `destination`. `resumeClientReads` is set when
    /// the buffer drained to the low-water mark while client reads were held.
    public mutating func readUpload(
        into destination: UnsafeMutableRawBufferPointer
    ) -> (result: UploadRead, resumeClientReads: Bool) {
        guard !self.upload.isEmpty else {
            if self.uploadEnded { return (.end, false) }
            self.sendPaused = true
            return (.pause, false)
        }
        var copied = 0
        while copied < destination.count, var first = self.upload.first {
            let n = min(first.readableBytes, destination.count - copied)
            first.withUnsafeReadableBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: destination[copied..<(copied + n)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<n]))
            }
            first.moveReaderIndex(forwardBy: n)
            copied += n
            if first.readableBytes == 0 {
                self.spentUpload.append(self.upload.removeFirst())
            } else {
                self.upload[self.upload.startIndex] = first
            }
        }
        self.uploadBytesBuffered -= copied
        var resumeClientReads = false
        if self.clientReadsHeld, self.uploadBytesBuffered <= self.lowWater {
            self.clientReadsHeld = false
            resumeClientReads = true
        }
        return (.bytes(copied), resumeClientReads)
    }

    /// The curl thread unpaused sending.
    public mutating func sendResumed() {
        self.sendPaused = false
        self.sendResumeRequested = false
    }

    /// On the event loop: the spent upload buffers, to be released there.
    public mutating func takeSpentUpload() -> [ByteBuffer] {
        guard !self.spentUpload.isEmpty else { return [] }
        defer { self.spentUpload.removeAll() }
        return self.spentUpload
    }

    // MARK: Either thread, when the transfer ends

    /// Body curl will never read: dropped and no longer counted.
    public mutating func dropUpload() {
        // Emptying an empty buffer would allocate a new one (every transfer settles).
        if !self.upload.isEmpty { self.upload.removeAll() }
        self.uploadBytesBuffered = 0
    }

    /// Response bytes the event loop will never report written (its exchange is over).
    public mutating func releaseDownstream() {
        self.downstreamBytesInFlight = 0
    }
}
