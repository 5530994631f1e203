/// Why a ``RawHTTPClient`` call failed; descriptions say what was awaited and how far it got.
public enum RawHTTPClientError: Error, CustomStringConvertible {
    case connectFailed(host: String, port: Int, reason: String)
    /// Nothing arrived in time; the text says what was awaited and what had been received.
    case timedOut(String)
    /// The peer stopped reading: only `sent` of `total` bytes left before the deadline.
    case sendTimedOut(sent: Int, total: Int)
    case sendFailed(sent: Int, total: Int, reason: String)
    /// The connection ended before a complete response head; `received` is what came.
    case closedBeforeResponseHead(received: [UInt8])
    case malformedResponse(String)
    case system(call: String, errno: Int32)

    public var description: String {
        switch self {
        case .connectFailed(let host, let port, let reason):
            "cannot connect to \(host):\(port): \(reason)"
        case .timedOut(let what):
            "timed out \(what)"
        case .sendTimedOut(let sent, let total):
            "timed out sending: \(sent) of \(total) bytes went out, the peer is not reading"
        case .sendFailed(let sent, let total, let reason):
            "send failed after \(sent) of \(total) bytes: \(reason)"
        case .closedBeforeResponseHead(let received):
            "connection ended before a complete response head; received \(received.count) bytes: \(preview(received))"
        case .malformedResponse(let why):
            "malformed response: \(why)"
        case .system(let call, let code):
            "\(call) failed: \(describe(errno: code))"
        }
    }
}

/// The first bytes of a byte string, printable, for error messages.
func preview(_ bytes: some Collection<UInt8>, limit: Int = 200) -> String {
    let text = String(decoding: bytes.prefix(limit), as: UTF8.self)
    let escaped = text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? String($0) : $0.escaped(asASCII: true) }
    return "\"" + escaped.joined() + (bytes.count > limit ? "…" : "") + "\""
}
