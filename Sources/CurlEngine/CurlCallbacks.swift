import CCurl
import NIOCore

/// libcurl's C callbacks. Non-capturing, so they convert to C function pointers; each recovers
/// its `CurlTransfer` from the user pointer (unretained: the shard keeps the transfer alive
/// while curl knows it). They run on the shard's thread, inside curl calls, and must not call
/// back into the multi handle.
enum CurlCallbacks {
    static let writeFunctionPause = 0x1000_0001  // CURL_WRITEFUNC_PAUSE
    static let readFunctionPause = 0x1000_0001  // CURL_READFUNC_PAUSE

    static let header: curl_write_callback = { data, size, count, user in
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue()
        let length = size * count
        let line = UnsafeRawBufferPointer(start: data, count: length)
        switch transfer.curlHeadParser.feed(line) {
        case .needMore:
            return length
        case .complete(let head):
            transfer.curlHeadDelivered = true
            transfer.shard.markForDelivery(transfer, transfer.curlEnqueue(.head(head)))
            return length
        case .tooLarge:
            transfer.curlAbortReason = .invalidResponse(
                "response head larger than \(transfer.request.maxResponseHeaderBytes) bytes"
            )
            return 0  // aborts the transfer with CURLE_WRITE_ERROR
        case .malformed(let why):
            transfer.curlAbortReason = .invalidResponse(why)
            return 0
        }
    }

    static let write: curl_write_callback = { data, size, count, user in
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue()
        let length = size * count
        guard transfer.curlOfferResponseBytes(length) else {
            return CurlCallbacks.writeFunctionPause  // curl keeps the bytes and offers them again
        }
        var buffer = CurlCallbacks.allocator.buffer(capacity: length)
        buffer.writeBytes(UnsafeRawBufferPointer(start: data, count: length))
        transfer.shard.markForDelivery(transfer, transfer.curlEnqueue(.body(buffer)))
        return length
    }

    static let read: curl_read_callback = { data, size, count, user in
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue()
        let destination = UnsafeMutableRawBufferPointer(start: data, count: size * count)
        let (result, resumeClientReads) = transfer.curlReadRequestBody(into: destination)
        if resumeClientReads {
            transfer.shard.markForDelivery(transfer, transfer.curlEnqueue(.uploadCanResume))
        }
        switch result {
        case .bytes(let n): return n
        case .pause: return CurlCallbacks.readFunctionPause
        case .end: return 0
        }
    }

    private static let allocator = ByteBufferAllocator()
}
