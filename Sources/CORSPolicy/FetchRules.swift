// Lists from the Fetch standard that config validation and explain share.

package enum FetchRules {
    /// Fetch "forbidden request-header" names: a script can never set them, so a browser never
    /// lists them in Access-Control-Request-Headers.
    package static let forbiddenRequestHeaders: Set<String> = [
        "accept-charset", "accept-encoding", "access-control-request-headers", "access-control-request-method",
        "connection", "content-length", "cookie", "cookie2", "date", "dnt", "expect", "host", "keep-alive",
        "origin", "referer", "set-cookie", "te", "trailer", "transfer-encoding", "upgrade", "via",
    ]

    /// Prefixes that make a request header forbidden too.
    package static let forbiddenRequestHeaderPrefixes = ["proxy-", "sec-"]

    package static func isForbiddenRequestHeader(_ name: String) -> Bool {
        let lower = asciiLowercasedString(name)
        return forbiddenRequestHeaders.contains(lower) || forbiddenRequestHeaderPrefixes.contains { lower.hasPrefix($0) }
    }

    /// Fetch "forbidden method" (compared case-insensitively): never sent by a browser, and
    /// dangerous to allow (SPEC §4 makes them config errors).
    package static let forbiddenMethods: Set<String> = ["CONNECT", "TRACE", "TRACK"]

    package static func isForbiddenMethod(_ method: String) -> Bool {
        forbiddenMethods.contains(String(decoding: method.utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self))
    }

    /// CORS-safelisted methods: a request with only these (and safelisted headers) is not preflighted.
    package static let safelistedMethods: Set<String> = ["GET", "HEAD", "POST"]

    /// Request header names that are CORS-safelisted whatever their value (up to 128 bytes).
    /// `content-type` and `range` are safelisted only for some values, so explain counts them as
    /// unsafe (the common case: a JSON body, a suffix range).
    package static let safelistedRequestHeaders: Set<String> = ["accept", "accept-language", "content-language"]

    /// Response headers a script can always read (no need to expose them).
    package static let safelistedResponseHeaders: Set<String> = [
        "cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma",
    ]

    /// Response headers that can never be exposed to a script.
    package static let unexposableResponseHeaders: Set<String> = ["set-cookie", "set-cookie2"]
}
