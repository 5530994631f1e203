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
    @_specialize(exported: true, where S == HTTPHeaders)
    @_specialize(exported: true, where S == [(name: String, value: String)])
    public static func names<S: Sequence>(in headers: S) -> Set<String> where S.Element == (name: String, value: String) {
        var names = Self.fixed
        // The length test first: lowercasing every name to find `Connection` is most of the cost.
        for (name, value) in headers where name.utf8.count == 10 && name.lowercased() == "connection" {
            for token in value.split(separator: ",") {
                let trimmed = token.trimmingCharacters(in: " \t")
                if !trimmed.isEmpty { names.insert(trimmed.lowercased()) }
            }
        }
        return names
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        let skip = Set(set)
        guard let start = self.firstIndex(where: { !skip.contains($0) }),
            let end = self.lastIndex(where: { !skip.contains($0) })
        else { return "" }
        return String(self[start...end])
    }
}
