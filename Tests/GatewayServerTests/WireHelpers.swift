import GatewayTestSupport

/// Request bodies and framings the end-to-end tests send.
enum Wire {
    /// `bytes` framed as chunked transfer coding, in chunks of at most `chunkSize`.
    static func chunked(_ bytes: [UInt8], chunkSize: Int = 64 * 1024) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / max(chunkSize, 1) * 12 + 16)
        var start = 0
        while start < bytes.count {
            let end = min(start + chunkSize, bytes.count)
            out += Array("\(String(end - start, radix: 16))\r\n".utf8)
            out += bytes[start..<end]
            out += [13, 10]
            start = end
        }
        out += Array("0\r\n\r\n".utf8)
        return out
    }

    /// Deterministic test body of `count` bytes (not the backend's pattern, so an echo that
    /// returned the pattern instead would fail).
    static func body(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
    }
}
