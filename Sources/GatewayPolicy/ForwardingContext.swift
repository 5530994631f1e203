/// What the gateway knows about the client side of one exchange, for the headers it adds.
public struct ForwardingContext: Sendable {
    /// The client's IP address as text (no port).
    public var clientAddress: String
    /// "http" until the edge terminates TLS.
    public var scheme: String
    /// The client's `Host` header, if any.
    public var host: String?
    /// The resolved `X-Request-Id`.
    public var requestId: String

    public init(clientAddress: String, scheme: String, host: String?, requestId: String) {
        self.clientAddress = clientAddress
        self.scheme = scheme
        self.host = host
        self.requestId = requestId
    }
}
