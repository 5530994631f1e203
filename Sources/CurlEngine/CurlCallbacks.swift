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
            if transfer.curlHeadParser.bodyIsChunked, transfer.request.method != "HEAD" {
                transfer.curlChunkDecoder = ChunkedBodyDecoder()
            }
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
        let raw = UnsafeRawBufferPointer(start: data, count: length)
        var buffer = CurlCallbacks.allocator.buffer(capacity: length)
        // A chunked body comes raw: decoded here into the buffer, by a copy of the decoder that
        // is kept only if the bytes are taken (a paused offer comes again, the same bytes).
        var decoder = transfer.curlChunkDecoder
        var completeBody = false
        if decoder != nil {
            switch decoder!.decode(raw, into: &buffer) {
            case .needMore: break
            case .complete: completeBody = true
            case .malformed: return 0  // curl fails it too; CURLE_WRITE_ERROR ends the transfer
            }
        } else {
            buffer.writeBytes(raw)
        }
        switch transfer.curlTransition({ $0.responseBytesOffered(buffer.readableBytes, completeBody: completeBody) }) {
        case .takeResponseBytes(let endEarly):
            transfer.curlChunkDecoder = decoder
            if buffer.readableBytes > 0 { transfer.curlDeliverBody(buffer) }
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
