// Rules for single values in gateway.json. Each returns nil when the value is fine, or a
// message saying what is wrong and what is allowed; the decoder attaches the JSON path.

enum ConfigRules {
    /// Route and backend names appear in metrics labels and reload reports, so they stay plain.
    static func nameProblem(_ name: String, of what: String) -> String? {
        let valid = (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
        return valid ? nil : "\(quoted(name)) is not a valid \(what) name; allowed: 1 to 64 characters of A-Z a-z 0-9 . _ -"
    }

    /// RFC 9110 §5.6.2 token, the grammar of header names and methods.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(isTokenByte)
    }

    static func headerNameProblem(_ name: String) -> String? {
        isToken(name) ? nil : "\(quoted(name)) is not a valid header name; allowed: a token of letters, digits and !#$%&'*+-.^_`|~"
    }

    /// Header values must stay one line: a CR or LF would let the config inject headers.
    static func headerValueProblem(_ value: String) -> String? {
        let valid = value.utf8.allSatisfy { $0 == UInt8(ascii: "\t") || ($0 >= 0x20 && $0 != 0x7F) }
        return valid ? nil : "the value contains CR, LF, NUL or another control character; allowed: one line of visible characters, spaces and tabs"
    }

    /// Headers that describe the message framing or the connection belong to the gateway, not to `set`.
    static let unsettableHeaders: Set<String> = [
        "connection", "content-length", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
    ]

    static func methodProblem(_ method: String) -> String? {
        isToken(method) ? nil : "\(quoted(method)) is not a valid HTTP method; allowed: a token such as GET or POST"
    }

    /// Paths in the config are compared byte for byte with what clients send, so they must
    /// look like a request path: "/"-rooted, ASCII (non-ASCII arrives percent-encoded), no query.
    static func pathProblem(_ path: String) -> String? {
        guard path.utf8.first == UInt8(ascii: "/") else {
            return "\(quoted(path)) must start with \"/\""
        }
        if path.utf8.contains(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            return "\(quoted(path)) contains '?' or '#'; allowed: a path without query or fragment"
        }
        if !path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return "\(quoted(path)) contains spaces, control or non-ASCII characters; percent-encode them as clients send them"
        }
        return nil
    }

    /// An exact semantic version (semver.org 2.0.0) or "classic"; ranges are refused because
    /// what a function can see must not change when a dependency resolves differently.
    static func runtimeHandlerProblem(_ text: String) -> String? {
        if text == "classic" || isExactSemver(text) { return nil }
        let rangeMarkers: Set<UInt8> = Set("^~<>=*| xX".utf8)
        if text == "latest" || text.utf8.contains(where: rangeMarkers.contains) {
            return "\(quoted(text)) is a version range; allowed: an exact version such as \"1.2.0\", or \"classic\""
        }
        return "\(quoted(text)) is not an exact version; allowed: MAJOR.MINOR.PATCH such as \"1.2.0\" (optionally -prerelease or +build), or \"classic\""
    }

    static func isExactSemver(_ text: String) -> Bool {
        var rest = Substring(text)
        if let plus = rest.firstIndex(of: "+") {
            let build = rest[rest.index(after: plus)...].split(separator: ".", omittingEmptySubsequences: false)
            guard build.allSatisfy(isIdentifier) else { return false }
            rest = rest[..<plus]
        }
        if let dash = rest.firstIndex(of: "-") {
            let prerelease = rest[rest.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false)
            guard prerelease.allSatisfy({ isIdentifier($0) && (!isNumeric($0) || !hasLeadingZero($0)) }) else { return false }
            rest = rest[..<dash]
        }
        let core = rest.split(separator: ".", omittingEmptySubsequences: false)
        return core.count == 3 && core.allSatisfy { isNumeric($0) && !hasLeadingZero($0) }
    }

    /// A DNS name (or IPv4 address): dot-separated labels of 1–63 letters, digits and inner hyphens.
    static func isHostname(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count)
                && label.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
                && label.utf8.first != UInt8(ascii: "-") && label.utf8.last != UInt8(ascii: "-")
        }
    }

    /// "[…]" holding hex digits, colons and (for an embedded IPv4 part) dots.
    static func isBracketedIPv6(_ text: Substring) -> Bool {
        guard text.utf8.count > 2, text.first == "[", text.last == "]" else { return false }
        let inner = text.dropFirst().dropLast()
        return inner.contains(":") && inner.utf8.allSatisfy {
            isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".")
        }
    }

    /// Decimal digits only (no sign, no spaces), within `range`.
    static func port(_ text: Substring, in range: ClosedRange<Int>) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 5, text.utf8.allSatisfy(isDigit), let value = Int(text),
              range.contains(value) else { return nil }
        return value
    }

    static func quoted(_ text: String) -> String {
        "\"\(text)\""
    }

    // MARK: Character classes

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }

    private static func isIdentifier(_ part: Substring) -> Bool {
        !part.isEmpty && part.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    private static func isNumeric(_ part: Substring) -> Bool {
        !part.isEmpty && part.utf8.allSatisfy(isDigit)
    }

    private static func hasLeadingZero(_ part: Substring) -> Bool {
        part.utf8.count > 1 && part.utf8.first == UInt8(ascii: "0")
    }
}
