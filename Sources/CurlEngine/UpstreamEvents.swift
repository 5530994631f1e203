import NIOCore

/// The backend's final (non-1xx) response head.
public struct UpstreamResponseHead: Sendable, Equatable {
    public var status: Int
    public var reason: String
    /// Header lines as received, in order, duplicates kept (several Set-Cookie stay several).
    public var headers: [(name: String, value: String)]

    public init(status: Int, reason: String, headers: [(name: String, value: String)]) {
        self.status = status
        self.reason = reason
        self.headers = headers
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.status == rhs.status && lhs.reason == rhs.reason
            && lhs.headers.elementsEqual(rhs.headers, by: { $0 == $1 })
    }
}

/// Why a transfer failed. The server maps these to SPEC §7 responses.
public enum UpstreamFailure: Error, Sendable, Equatable {
    /// Refused, unreachable, unresolvable, TLS handshake failure, or not connected in time.
    case unavailable(String)
    /// The backend hung up, answered garbage, or sent an oversized head.
    case invalidResponse(String)
    /// No connection slot within `queueTimeoutMs` (the backend's `maxConnections` are all busy).
    case busy(String)
}

/// What a transfer reports to its delegate, in order, on the delegate's event loop.
public enum UpstreamEvent: Sendable, Equatable {
    case head(UpstreamResponseHead)
    case body(ByteBuffer)
    /// The response is complete; the connection went back to the pool.
    case end
    case failed(UpstreamFailure)
    /// The upload buffer drained below its low-water mark: client reads may resume.
    case uploadCanResume
}

/// Receives a transfer's events. Called only on the event loop the transfer was started with,
/// in batches (one call per engine pass), so a handler can flush once per batch.
public protocol UpstreamTransferDelegate: AnyObject {
    func upstreamTransfer(_ transfer: any UpstreamTransfer, received events: [UpstreamEvent])
}
