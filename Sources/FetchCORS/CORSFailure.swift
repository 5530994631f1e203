/// Why a browser blocks a CORS fetch: Chromium's `network::mojom::CorsError` values that a
/// server's answer can cause, with the value Chromium quotes in its console sentence.
public enum CORSFailure: Error, Sendable, Hashable {
    case missingAllowOrigin
    case wildcardOriginWithCredentials
    case multipleAllowOriginValues(String)
    case invalidAllowOriginValue(String)
    case allowOriginMismatch(String)
    /// The `Access-Control-Allow-Credentials` value ("" when absent).
    case invalidAllowCredentials(String)
    case preflightRedirect
    case preflightNotOK
    case unparsableAllowMethods
    case unparsableAllowHeaders
    case methodNotAllowed(String)
    /// The lowercased request header name.
    case headerNotAllowed(String)

    /// A short stable name, for `--json` and tests.
    public var code: String {
        switch self {
        case .missingAllowOrigin: "missing-allow-origin"
        case .wildcardOriginWithCredentials: "wildcard-origin-with-credentials"
        case .multipleAllowOriginValues: "multiple-allow-origin-values"
        case .invalidAllowOriginValue: "invalid-allow-origin-value"
        case .allowOriginMismatch: "allow-origin-mismatch"
        case .invalidAllowCredentials: "invalid-allow-credentials"
        case .preflightRedirect: "preflight-redirect"
        case .preflightNotOK: "preflight-status-not-ok"
        case .unparsableAllowMethods: "unparsable-allow-methods"
        case .unparsableAllowHeaders: "unparsable-allow-headers"
        case .methodNotAllowed: "method-not-allowed"
        case .headerNotAllowed: "header-not-allowed"
        }
    }

    /// Chromium's text for this reason (third_party/blink/.../cors_error_string.cc, as
    /// Chromium 156 prints it for `fetch`).
    public var chromiumReason: String {
        let validValue = " Have the server send the header with a valid value."
        switch self {
        case .missingAllowOrigin:
            return "No 'Access-Control-Allow-Origin' header is present on the requested resource."
        case .wildcardOriginWithCredentials:
            return "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'."
        case .multipleAllowOriginValues(let value):
            return "The 'Access-Control-Allow-Origin' header contains multiple values '\(value)', but only one is allowed." + validValue
        case .invalidAllowOriginValue(let value):
            return "The 'Access-Control-Allow-Origin' header contains the invalid value '\(value)'." + validValue
        case .allowOriginMismatch(let value):
            return "The 'Access-Control-Allow-Origin' header has a value '\(value)' that is not equal to the supplied origin." + validValue
        case .invalidAllowCredentials(let value):
            return "The value of the 'Access-Control-Allow-Credentials' header in the response is '\(value)' which must be 'true' when the request's credentials mode is 'include'."
        case .preflightRedirect:
            return "Redirect is not allowed for a preflight request."
        case .preflightNotOK:
            return "It does not have HTTP ok status."
        case .unparsableAllowMethods:
            return "Cannot parse Access-Control-Allow-Methods response header field in preflight response."
        case .unparsableAllowHeaders:
            return "Cannot parse Access-Control-Allow-Headers response header field in preflight response."
        case .methodNotAllowed(let method):
            return "Method \(method) is not allowed by Access-Control-Allow-Methods in preflight response."
        case .headerNotAllowed(let name):
            return "Request header field \(name) is not allowed by Access-Control-Allow-Headers in preflight response."
        }
    }
}

/// A failure and where it happened: the preflight or the actual request's response.
public struct CORSBlock: Sendable, Hashable {
    public enum Stage: String, Sendable, Hashable, Codable {
        case preflight
        case actual
    }

    public var stage: Stage
    public var failure: CORSFailure

    public init(stage: Stage, failure: CORSFailure) {
        self.stage = stage
        self.failure = failure
    }

    /// Chromium prefixes the failures of the CORS check on a preflight, its status and its
    /// redirect (not the allow-list checks) with "Response to preflight request doesn't pass
    /// access control check: ".
    public var hasPreflightPrefix: Bool {
        guard self.stage == .preflight else { return false }
        switch self.failure {
        case .missingAllowOrigin, .wildcardOriginWithCredentials, .multipleAllowOriginValues, .invalidAllowOriginValue,
            .allowOriginMismatch, .invalidAllowCredentials, .preflightRedirect, .preflightNotOK:
            return true
        case .unparsableAllowMethods, .unparsableAllowHeaders, .methodNotAllowed, .headerNotAllowed:
            return false
        }
    }

    /// The sentence Chromium's console prints for a blocked `fetch`. `url` is the URL that
    /// failed; `initialURL` the one the page fetched, when a redirect led elsewhere.
    public func consoleMessage(url: String, initialURL: String? = nil, origin: String) -> String {
        var text = "Access to fetch at '\(url)' "
        if let initialURL, initialURL != url { text += "(redirected from '\(initialURL)') " }
        text += "from origin '\(origin)' has been blocked by CORS policy: "
        if self.hasPreflightPrefix { text += "Response to preflight request doesn't pass access control check: " }
        return text + self.failure.chromiumReason
    }
}
