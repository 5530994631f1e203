/// Everything the curl engine needs to send one request upstream. Built by the server from the
/// client's request and the matched route; the engine adds nothing the caller did not ask for
/// beyond the framing it must own (Host from the URL, Content-Length or chunked encoding).
public struct UpstreamRequest: Sendable {
    /// How the request body reaches curl.
    public enum BodyFraming: Sendable, Equatable {
        /// No body at all: no Content-Length, no chunked encoding.
        case none
        /// A body of exactly this many bytes (sent with Content-Length).
        case known(Int)
        /// A body of unknown length (sent with chunked encoding).
        case chunked
    }

    /// The absolute URL: scheme, authority, path and query exactly as they must go on the wire.
    public var url: String
    public var method: String
    /// Header lines in the order they must be sent. An empty value is sent as an empty header.
    /// Never include Host, Content-Length, Transfer-Encoding or Expect: the engine owns those.
    public var headers: [(name: String, value: String)]
    public var body: BodyFraming
    /// Groups transfers that share a connection limit (normally the backend's name).
    public var poolKey: String
    /// Most concurrent transfers (and so connections) for `poolKey`.
    public var maxConnections: Int
    public var connectTimeoutMs: Int
    /// Longest wait for one of the pool's `maxConnections` slots before the transfer fails `.busy`.
    public var queueTimeoutMs: Int
    /// Largest response head accepted from the backend; a larger one fails the transfer.
    public var maxResponseHeaderBytes: Int
    /// PEM bundle to trust instead of the system store (https backends only).
    public var caFile: String?

    public init(
        url: String,
        method: String,
        headers: [(name: String, value: String)],
        body: BodyFraming,
        poolKey: String,
        maxConnections: Int,
        connectTimeoutMs: Int,
        queueTimeoutMs: Int = 5000,
        maxResponseHeaderBytes: Int,
        caFile: String? = nil
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.poolKey = poolKey
        self.maxConnections = maxConnections
        self.connectTimeoutMs = connectTimeoutMs
        self.queueTimeoutMs = queueTimeoutMs
        self.maxResponseHeaderBytes = maxResponseHeaderBytes
        self.caFile = caFile
    }
}
