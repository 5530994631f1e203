import FetchCORS

// The Fetch standard's lists that config validation and explain use; the lists themselves are
// FetchCORS's (the rules `probe` decides with), so the gateway and probe never disagree.

package enum FetchRules {
    /// Fetch "forbidden request-header" (`Proxy-*` and `Sec-*` included): a script can never
    /// set them, so a browser never lists them in Access-Control-Request-Headers.
    package static func isForbiddenRequestHeader(_ name: String) -> Bool {
        ForbiddenRequest.isHeaderName(name)
    }

    /// Fetch "forbidden method" (compared case-insensitively): never sent by a browser, and
    /// dangerous to allow (SPEC §4 makes them config errors).
    package static func isForbiddenMethod(_ method: String) -> Bool {
        ForbiddenRequest.isMethod(method)
    }

    /// CORS-safelisted methods: a request with only these (and safelisted headers) is not preflighted.
    package static func isSafelistedMethod(_ method: String) -> Bool {
        FetchCORS.isSafelistedMethod(method)
    }

    /// Request header names that are CORS-safelisted whatever their value (up to 128 bytes).
    /// `content-type` and `range` are safelisted only for some values, so explain counts them as
    /// unsafe (the common case: a JSON body, a suffix range).
    package static let safelistedRequestHeaders: Set<String> = ["accept", "accept-language", "content-language"]

    /// Response headers that can never be exposed to a script.
    package static var unexposableResponseHeaders: Set<String> { ExposedHeaders.forbidden }
}
