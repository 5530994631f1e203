import CORSPolicy
import NIOCore

/// The CORS side of one request as it is logged and counted (SPEC §4 `mode`: report-only
/// decisions are recorded exactly like enforced ones, marked as such).
enum CORSOutcome {
    enum Origin: String {
        case allowed
        /// Present but not allowed (or several Origin lines).
        case disallowed
        case absent
    }

    /// The route has no CORS policy, or the request matched no route.
    case none
    case preflight(rejection: CORSRejection?, enforced: Bool)
    case actual(Origin, enforced: Bool)
}

/// What one request did, collected while it runs, for its access-log line and metrics.
struct RequestRecord {
    let started: NIODeadline
    var requestId: String
    /// "-" when the request was too malformed to have one.
    var method: String
    /// Without the query string (it may carry secrets).
    var path: String
    /// "" when no route matched.
    var route = ""
    /// 0 until a response head is written.
    var status = 0
    var requestBodyBytes = 0
    var responseBodyBytes = 0
    var upstreamStarted: NIODeadline?
    var upstreamEnded: NIODeadline?
    var cors = CORSOutcome.none
    /// False when the connection ended before the response did.
    var completed = true
    /// "HTTP/1.1", "HTTP/1.0" or "HTTP/2" (SPEC §12: the access log records the protocol).
    var protocolName = "HTTP/1.1"

    init(started: NIODeadline, requestId: String, method: String, path: String) {
        self.started = started
        self.requestId = requestId
        self.method = method
        self.path = path
    }
}
