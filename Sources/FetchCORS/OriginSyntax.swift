/// The grammar of an `Origin` a browser sends (Fetch #origin-header, RFC 6454 serialization):
/// `null`, or `scheme "://" host [ ":" port ]`, lowercase, no default port, nothing after.
public enum OriginSyntax {
    /// nil when `origin` is one a browser could send; otherwise what is wrong with it.
    public static func problem(with origin: String) -> String? {
        if origin == "null" { return nil }
        let bytes = Array(origin.utf8)
        guard let separator = firstIndex(of: Array("://".utf8), in: bytes) else {
            return "an origin is scheme://host[:port] (e.g. https://app.example.com) or null"
        }
        let scheme = Array(bytes[..<separator])
        var authority = Array(bytes[(separator + 3)...])
        guard let first = scheme.first, isLowerLetter(first), scheme.allSatisfy(isSchemeByte) else {
            return "the scheme must be lowercase letters (browsers send https, not HTTPS)"
        }
        if authority.contains(where: { "/?#".utf8.contains($0) }) {
            return "an origin has no path, query, fragment or trailing slash"
        }
        var port: [UInt8]? = nil
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { return "an IPv6 host needs a closing ]" }
            let after = Array(authority[(close + 1)...])
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":") else { return "unexpected text after the IPv6 host" }
                port = Array(after.dropFirst())
            }
            authority = Array(authority[...close])
        } else if let colon = authority.lastIndex(of: UInt8(ascii: ":")) {
            port = Array(authority[(colon + 1)...])
            authority = Array(authority[..<colon])
        }
        guard !authority.isEmpty else { return "the host is missing" }
        if authority.first != UInt8(ascii: "["), !authority.allSatisfy(isHostByte) {
            return "the host must be lowercase and contain no spaces or '@' (browsers lowercase it)"
        }
        if let port {
            guard !port.isEmpty, port.count <= 5, port.allSatisfy(isDigit),
                let number = Int(String(decoding: port, as: UTF8.self)), number <= 65535
            else { return "the port must be a number up to 65535" }
            let schemeText = String(decoding: scheme, as: UTF8.self)
            if (schemeText == "https" && number == 443) || (schemeText == "http" && number == 80) {
                return "browsers leave out the default port (\(number) for \(schemeText))"
            }
        }
        return nil
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    private static func isLowerLetter(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func isSchemeByte(_ byte: UInt8) -> Bool { isLowerLetter(byte) || isDigit(byte) || "+-.".utf8.contains(byte) }
    private static func isHostByte(_ byte: UInt8) -> Bool { isLowerLetter(byte) || isDigit(byte) || "-._~%!$&'()*+,;=".utf8.contains(byte) }
}
