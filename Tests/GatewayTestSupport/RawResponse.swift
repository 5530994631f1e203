/// How a peer ended a ``RawHTTPClient`` connection.
public enum RawConnectionEnd: Sendable, Equatable {
    /// An orderly close (FIN).
    case closed
    /// ECONNRESET or another receive error; bytes in flight may have been lost.
    case reset
}

/// One response exactly as ``RawHTTPClient`` read it off the wire.
public struct RawResponse: Sendable {
    /// How the body was delimited, decided as RFC 9112 §6.3 says.
    public enum Framing: Sendable, Equatable {
        /// HEAD response, 1xx, 204 or 304.
        case none
        case contentLength(Int)
        case chunked
        /// Neither header: the body runs until the peer closes.
        case untilClose
    }

    /// Status line and header lines including the blank line, byte for byte.
    public var rawHead: [UInt8]
    /// For example `HTTP/1.1`.
    public var version: String
    public var status: Int
    public var reason: String
    /// Header lines in wire order, names spelled as received, duplicates kept.
    public var headers: [(String, String)]
    public var framing: Framing
    /// The body with any chunked framing removed; what arrived if it is incomplete.
    public var body: [UInt8]
    /// Trailer fields of a chunked body.
    public var trailers: [(String, String)]
    /// True when the body arrived in full as its framing announced (for ``Framing/untilClose``:
    /// the peer closed in order).
    public var bodyComplete: Bool
    /// Set if the peer closed or reset the connection while this response was read; with
    /// `bodyComplete == false` it tells a truncated response from a slow one.
    public var connectionEnd: RawConnectionEnd?

    /// Values of every header line with this name, compared case-insensitively, in order.
    public func values(of name: String) -> [String] {
        let wanted = name.lowercased()
        return self.headers.filter { $0.0.lowercased() == wanted }.map(\.1)
    }

    /// The first value of the named header, if any.
    public func header(_ name: String) -> String? {
        self.values(of: name).first
    }

    public var headerNames: [String] { self.headers.map(\.0) }

    /// The body decoded as UTF-8.
    public var bodyText: String { String(decoding: self.body, as: UTF8.self) }
}
