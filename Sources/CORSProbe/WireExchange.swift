import FetchCORS

/// One request `probe` sent and the response head it got.
public struct WireExchange: Sendable {
    public var method: String
    public var url: TargetURL
    /// The headers sent, in order (what the printed curl command sends too).
    public var headers: [HeaderField]
    public var response: ResponseHead
}

/// One request to send.
struct WireRequest {
    var method: String
    var url: TargetURL
    var headers: [HeaderField]
}
