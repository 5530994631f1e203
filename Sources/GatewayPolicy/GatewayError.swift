import GatewayConfig

/// The errors the gateway answers itself (SPEC §7), with their JSON bodies.
public enum GatewayError: String, Sendable, CaseIterable {
    case badRequest = "bad_request"
    case noRoute = "no_route"
    case headerTimeout = "header_timeout"
    /// SPEC §11: the request body did not arrive within `limits.bodyTimeoutMs` of its head.
    case bodyTimeout = "body_timeout"
    case bodyTooLarge = "body_too_large"
    case headersTooLarge = "headers_too_large"
    case upstreamUnavailable = "upstream_unavailable"
    case upstreamInvalidResponse = "upstream_invalid_response"
    case cookieRejected = "cookie_rejected"
    case draining = "draining"
    case upstreamTimeout = "upstream_timeout"
    /// SPEC §11: no `maxConnections` slot of the backend became free within its `queueTimeoutMs`.
    case upstreamBusy = "upstream_busy"
    /// SPEC §11: `CONNECT` and `TRACE` are never forwarded.
    case methodNotAllowed = "method_not_allowed"

    public var code: String { self.rawValue }

    public var status: Int {
        switch self {
        case .badRequest: 400
        case .noRoute: 404
        case .methodNotAllowed: 405
        case .headerTimeout, .bodyTimeout: 408
        case .bodyTooLarge: 413
        case .headersTooLarge: 431
        case .upstreamUnavailable, .upstreamInvalidResponse, .cookieRejected: 502
        case .draining, .upstreamBusy: 503
        case .upstreamTimeout: 504
        }
    }

    public var message: String {
        switch self {
        case .badRequest: "The request is malformed."
        case .noRoute: "No route matches this request."
        case .headerTimeout: "The request head did not arrive in time."
        case .bodyTimeout: "The request body did not arrive in time."
        case .bodyTooLarge: "The request body is larger than the gateway accepts."
        case .headersTooLarge: "Request headers or cookies too long"
        case .upstreamUnavailable: "The backend could not be reached."
        case .upstreamInvalidResponse: "The backend sent an invalid response."
        case .cookieRejected: "The backend set a cookie the route's policy rejects."
        case .draining: "The gateway is shutting down."
        case .upstreamTimeout: "The backend did not answer in time."
        case .upstreamBusy: "No connection to the backend became free in time."
        case .methodNotAllowed: "The gateway does not accept this method."
        }
    }

    /// The value of a `Retry-After` header (delta-seconds) the response must carry, or nil for
    /// none: SPEC §11 has `upstream_busy` answered with `Retry-After: 1`.
    public var retryAfterSeconds: Int? {
        switch self {
        case .upstreamBusy: 1
        case .badRequest, .noRoute, .headerTimeout, .bodyTimeout, .bodyTooLarge, .headersTooLarge, .upstreamUnavailable,
             .upstreamInvalidResponse, .cookieRejected, .draining, .upstreamTimeout, .methodNotAllowed: nil
        }
    }

    /// `{"error": …, "message": …, "requestId": …}` followed by a newline.
    public func jsonBody(requestId: String) -> String {
        let body = JSONValue.object([
            ("error", .string(self.code)), ("message", .string(self.message)), ("requestId", .string(requestId)),
        ])
        return body.serialized() + "\n"
    }
}
