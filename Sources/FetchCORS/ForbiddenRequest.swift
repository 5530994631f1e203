/// Fetch #forbidden-request-header and #forbidden-method: what a page's `fetch` can never send.
public enum ForbiddenRequest {
    static let headerNames: Set<String> = [
        "accept-charset", "accept-encoding", "access-control-request-headers", "access-control-request-method",
        "connection", "content-length", "cookie", "cookie2", "date", "dnt", "expect", "host", "keep-alive",
        "origin", "referer", "set-cookie", "te", "trailer", "transfer-encoding", "upgrade", "via",
    ]

    /// Names `fetch` silently drops (`Proxy-*` and `Sec-*` included).
    public static func isHeaderName(_ name: String) -> Bool {
        let lower = asciiLowercased(name)
        return self.headerNames.contains(lower) || lower.hasPrefix("proxy-") || lower.hasPrefix("sec-")
    }

    /// CONNECT, TRACE, TRACK in any case: `fetch` throws.
    public static func isMethod(_ method: String) -> Bool {
        ["CONNECT", "TRACE", "TRACK"].contains(asciiUppercased(method))
    }
}
