/// Fetch #cors-check, in Chromium's order (services/network/public/cpp/cors/cors.cc
/// `CheckAccess`), which also decides which failure the console names.
public enum CORSCheck {
    /// nil when `response` lets `origin` read it. `origin` is the serialized request origin
    /// (`null` after a cross-origin redirect); `credentials` is fetch's `credentials: 'include'`.
    public static func check(_ response: ResponseHead, origin: String, credentials: Bool) -> CORSFailure? {
        let allowOrigin = response.combinedValue("Access-Control-Allow-Origin")
        if allowOrigin == "*" {
            if credentials { return .wildcardOriginWithCredentials }
            return nil
        }
        guard let allowOrigin else { return .missingAllowOrigin }
        if allowOrigin != origin {
            if allowOrigin.contains(" ") || allowOrigin.contains(",") { return .multipleAllowOriginValues(allowOrigin) }
            if allowOrigin == "null" { return .allowOriginMismatch(allowOrigin) }
            if !looksLikeValidURL(allowOrigin) { return .invalidAllowOriginValue(allowOrigin) }
            return .allowOriginMismatch(allowOrigin)
        }
        if credentials {
            // Case-sensitive: `TRUE` is not `true`.
            let allowCredentials = response.combinedValue("Access-Control-Allow-Credentials")
            if allowCredentials != "true" { return .invalidAllowCredentials(allowCredentials ?? "") }
        }
        return nil
    }

    /// Chromium only tells an unparsable value from a mismatching one for its message (a
    /// `GURL` that is not valid); this approximates `GURL::is_valid` for what servers send: a
    /// scheme, and a host for the schemes that need one.
    static func looksLikeValidURL(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":") else { return false }
        let scheme = text[..<colon]
        guard let first = scheme.utf8.first, isASCIILetter(first),
            scheme.utf8.allSatisfy({ isASCIILetter($0) || ($0 >= 0x30 && $0 <= 0x39) || "+-.".utf8.contains($0) })
        else { return false }
        let special: Set<String> = ["http", "https", "ws", "wss", "ftp"]
        guard special.contains(asciiLowercased(String(scheme))) else { return true }
        let rest = text[text.index(after: colon)...].drop { $0 == "/" || $0 == "\\" }
        let host = rest.prefix { !"/?#".contains($0) }
        return !host.isEmpty && !host.hasPrefix(":")
    }

    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }
}
