/// Fetch #cors-preflight-fetch steps 6–8, in Chromium's order (preflight_controller.cc and
/// preflight_result.cc): no redirect, the CORS check, an ok status, parsable allow lists, then
/// the method and each unsafe header name.
public enum PreflightCheck {
    /// What a passed preflight lets through, as the browser caches it.
    public struct Grant: Sendable, Hashable {
        /// `Access-Control-Allow-Methods` as listed (methods compare case-sensitively).
        public var methods: [String]
        /// `Access-Control-Allow-Headers`, lowercased.
        public var headerNames: [String]
        /// `Access-Control-Max-Age` as sent, if any.
        public var maxAge: String?
        /// True when `Authorization` passed only because Chromium lets `*` cover it.
        public var authorizationCoveredByWildcard: Bool
    }

    static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]

    public static func check(
        _ response: ResponseHead,
        origin: String,
        credentials: Bool,
        request: PreflightRequirement,
        rules: BrowserRules = .chromium
    ) -> Result<Grant, CORSFailure> {
        if self.redirectStatuses.contains(response.status), response.contains("Location") {
            return .failure(.preflightRedirect)
        }
        if let failure = CORSCheck.check(response, origin: origin, credentials: credentials) {
            return .failure(failure)
        }
        guard (200...299).contains(response.status) else { return .failure(.preflightNotOK) }
        guard let methods = tokenList(response.combinedValue("Access-Control-Allow-Methods")) else {
            return .failure(.unparsableAllowMethods)
        }
        guard let headers = tokenList(response.combinedValue("Access-Control-Allow-Headers")) else {
            return .failure(.unparsableAllowHeaders)
        }
        let headerNames = headers.map(asciiLowercased)
        let wildcardsCount = !credentials
        if !(methods.contains(request.method) || isSafelistedMethod(request.method) || (wildcardsCount && methods.contains("*"))) {
            return .failure(.methodNotAllowed(request.method))
        }
        var authorizationByWildcard = false
        if wildcardsCount && headerNames.contains("*") {
            let needsAuthorization = request.unsafeHeaderNames.contains("authorization") && !headerNames.contains("authorization")
            if needsAuthorization {
                guard rules.wildcardCoversAuthorization else { return .failure(.headerNotAllowed("authorization")) }
                authorizationByWildcard = true
            }
        } else if let missing = self.disallowedHeaderNames(allowed: headerNames, request: request).first {
            return .failure(.headerNotAllowed(missing))
        }
        return .success(
            Grant(
                methods: methods, headerNames: headerNames, maxAge: response.combinedValue("Access-Control-Max-Age"),
                authorizationCoveredByWildcard: authorizationByWildcard))
    }

    /// Every requested header name the allow list leaves out, sorted. Chromium's console names
    /// one of them, in the order of a hash map of its own; probe names the first of these.
    public static func disallowedHeaderNames(allowed: [String], request: PreflightRequirement) -> [String] {
        request.unsafeHeaderNames.filter { !allowed.contains($0) }
    }

    /// The request header names a preflight answer does not allow (for a report; `check`
    /// decides).
    public static func disallowedHeaderNames(in response: ResponseHead, request: PreflightRequirement) -> [String] {
        let allowed = (tokenList(response.combinedValue("Access-Control-Allow-Headers")) ?? []).map(asciiLowercased)
        return self.disallowedHeaderNames(allowed: allowed, request: request)
    }

    /// The elements of an allow list, each a token; nil when one is not (a network error).
    static func tokenList(_ value: String?) -> [String]? {
        guard let value else { return [] }
        let elements = listElements(value)
        return elements.allSatisfy(isToken) ? elements : nil
    }
}
