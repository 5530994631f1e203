#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes all of `bytes` to `fd`, retrying after signals and partial writes, and waiting for room
/// when the descriptor happens to be non-blocking (a shared stdout can be).
///
/// Returns how many bytes were written: `bytes.count`, or fewer when the descriptor failed
/// (EPIPE once the reader is gone, EBADF, ENOSPC, ...), in which case the caller gives up on the rest.
func writeFully(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> Int {
    guard let base = bytes.baseAddress else { return 0 }
    var offset = 0
    while offset < bytes.count {
        let result = write(fd, base + offset, bytes.count - offset)
        if result > 0 {
            offset += result
            continue
        }
        guard result < 0 else { return offset }  // zero progress on a non-empty write: do not spin
        switch errno {
        case EINTR:
            continue
        case EAGAIN, EWOULDBLOCK:
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&descriptor, 1, -1)
        default:
            return offset
        }
    }
    return offset
}
