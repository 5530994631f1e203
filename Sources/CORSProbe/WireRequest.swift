import FetchCORS

/// One request `probe` sends.
struct WireRequest {
    var method: String
    var url: TargetURL
    var headers: [HeaderField]
}
