import CORSPolicy
import NIOHTTP1

/// Hop-by-hop header names (RFC 9110 §7.6.1, plus the legacy proxy ones), which a proxy must
/// never forward in either direction, and the names a `Connection` header adds to them.
public enum HopByHopHeaders {
    /// Lowercased.
    public static let fixed: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
        "upgrade", "proxy-authenticate", "proxy-authorization",
    ]

    /// `fixed` plus every token listed in the message's `Connection` header lines, lowercased.
    /// Almost every backend response says `Connection: keep-alive`: a token already in the set
    /// costs no copy of it, and tokens are trimmed as bytes.
    @_specialize(exported: true, where S == HTTPHeaders)
    @_specialize(exported: true, where S == [(name: String, value: String)])
    public static func names<S: Sequence>(in headers: S) -> Set<String> where S.Element == (name: String, value: String) {
        var names = Self.fixed
        for (name, value) in headers where nameEquals(name, "connection") {
            for token in value.utf8.split(separator: UInt8(ascii: ",")) {
                guard let first = token.firstIndex(where: { !isWhitespace($0) }),
                    let last = token.lastIndex(where: { !isWhitespace($0) })
                else { continue }
                let lowered = String(decoding: token[first...last], as: UTF8.self).lowercased()
                if !names.contains(lowered) { names.insert(lowered) }
            }
        }
        return names
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
