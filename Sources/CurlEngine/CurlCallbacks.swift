import CCurl
import NIOCore

/// libcurl's C callbacks. Non-capturing, so they convert to C function pointers; each recovers
/// its `CurlTransfer` from the user pointer (unretained: the shard keeps the transfer alive
/// while curl knows it). They run on the shard's thread, inside curl calls, must not call back
/// into curl, and only execute what the transfer's state machine decides.
enum CurlCallbacks {
    static let writeFunctionPause = 0x1000_0001  // CURL_WRITEFUNC_PAUSE
    static let readFunctionPause = 0x1000_0001  // CURL_READFUNC_PAUSE
    static let readFunctionAbort = 0x1000_0000  // CURL_READFUNC_ABORT

    static let header: curl_write_callback = { data, size, count, user in
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue()
        let length = size * count
        let line = UnsafeRawBufferPointer(start: data, count: length)
        let action: TransferStateMachine.Action
        switch transfer.curlHeadParser.feed(line) {
        case .needMore:
            return length
        case .complete(let head):
            let bodyLength = transfer.curlHeadParser.announcedBodyLength
            action = transfer.curlTransition { $0.headReceived(head, bodyLength: bodyLength) }
        case .tooLarge:
            let failure = UpstreamFailure.invalidResponse(
                "response head larger than \(transfer.request.maxResponseHeaderBytes) bytes")
            action = transfer.curlTransition { $0.headRejected(failure) }
        case .malformed(let why):
            action = transfer.curlTransition { $0.headRejected(.invalidResponse(why)) }
        }
        switch action {
        case .deliverHead(_, then: .resumeSend):
            transfer.shard.requestSendResume(transfer)
        case .deliverHead(_, then: .endEarly):
            transfer.shard.requestEarlyEnd(transfer)
        case .abort:
            return 0  // aborts the transfer with CURLE_WRITE_ERROR
        default:
            break
        }
        return length
    }

    static let write: curl_write_callback = { data, size, count, user in
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue()
        let length = size * count
        switch transfer.curlTransition({ $0.responseBytesOffered(length) }) {
        case .takeResponseBytes(let endEarly):
            var buffer = CurlCallbacks.allocator.buffer(capacity: length)
            buffer.writeBytes(UnsafeRawBufferPointer(start: data, count: length))
            transfer.curlDeliverBody(buffer)
            if endEarly { transfer.shard.requestEarlyEnd(transfer) }
            return length
        case .pauseReceive:
            return CurlCallbacks.writeFunctionPause  // curl keeps the bytes and offers them again
        default:
            return length  // cancelled: taken and dropped
        }
    }

    static let read: curl_read_callback = { data, size, count, user in
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue()
        let destination = UnsafeMutableRawBufferPointer(start: data, count: size * count)
        switch transfer.curlTransition({ $0.uploadWanted(into: destination) }) {
        case .upload(.bytes(let n), _): return n
        case .upload(.pause, _): return CurlCallbacks.readFunctionPause
        case .upload(.end, _): return 0
        default: return CurlCallbacks.readFunctionAbort
        }
    }

    private static let allocator = ByteBufferAllocator()
}
