// The grammar of an Origin header as browsers send it (Fetch "serializing a request origin",
// RFC 6454 §7): `scheme "://" host [ ":" port ]`, all lowercase, no default port, nothing after.
//
// Decisions where the SPEC is silent:
// - scheme: any lowercase URL scheme (`[a-z][a-z0-9+.-]*`), so extension origins such as
//   `chrome-extension://id` can be listed; only the configured entries decide what matches.
// - host: DNS-style labels of `[a-z0-9_-]` (1–63 bytes each, 253 in all, one trailing dot
//   tolerated), which covers IPv4 addresses, or a bracketed IPv6 literal of `[0-9a-f:.]`.
// - port: 1–65535 in decimal without leading zeros; `:80` on http and `:443` on https are
//   outside the grammar (a browser never serializes the default port), so such an Origin
//   matches nothing, even a `:*` entry.
// - at most 512 bytes: longer values cannot be serialized origins, and the bound keeps a
//   configured regex from ever seeing a long attacker-chosen string.

/// Why a value is not a serialized origin. An `Error` only so it fits `Result`.
enum OriginProblem: Error, Sendable, Equatable {
    case empty, tooLong, uppercase, noScheme, badScheme, pathOrQuery, userInfo, badHost, badPort, defaultPort

    var explanation: String {
        switch self {
        case .empty: return "is empty"
        case .tooLong: return "is longer than any serialized origin (512 bytes)"
        case .uppercase: return "has uppercase letters; browsers send scheme and host in lowercase"
        case .noScheme: return "has no scheme://"
        case .badScheme: return "has an invalid scheme"
        case .pathOrQuery: return "has a path, query, fragment or trailing slash; an origin is scheme://host[:port] only"
        case .userInfo: return "carries user info"
        case .badHost: return "has an invalid host"
        case .badPort: return "has an invalid port"
        case .defaultPort: return "carries the scheme's default port, which browsers never send"
        }
    }
}

/// Offsets of the parts of a serialized origin in its UTF-8 bytes.
struct OriginParts: Equatable {
    /// The scheme is `bytes[0..<schemeEnd]`; "://" follows.
    var schemeEnd: Int
    /// The host, brackets included for IPv6.
    var hostStart: Int
    var hostEnd: Int
    /// True when ":port" follows the host (the digits run from `hostEnd + 1` to the end).
    var hasPort: Bool
}

enum SerializedOrigin {
    static let maxBytes = 512

    /// Parses `bytes` as a serialized origin without allocating. `"null"` is not one (it is
    /// handled by the caller).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<OriginParts, OriginProblem> {
        let count = bytes.count
        if count == 0 { return .failure(.empty) }
        if count > maxBytes { return .failure(.tooLong) }
        if bytes.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) { return .failure(.uppercase) }

        // scheme "://"
        var index = 0
        while index < count, bytes[index] != UInt8(ascii: ":") { index += 1 }
        guard index + 2 < count, bytes[index + 1] == UInt8(ascii: "/"), bytes[index + 2] == UInt8(ascii: "/") else {
            return .failure(.noScheme)
        }
        let schemeEnd = index
        guard isScheme(bytes, 0, schemeEnd) else { return .failure(.badScheme) }
        let hostStart = schemeEnd + 3

        // Anything that can only start a path, query, fragment or user info ends the grammar.
        for byte in bytes[hostStart...] {
            if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") || byte == UInt8(ascii: "\\") {
                return .failure(.pathOrQuery)
            }
            if byte == UInt8(ascii: "@") { return .failure(.userInfo) }
        }

        // host
        var hostEnd: Int
        if hostStart < count, bytes[hostStart] == UInt8(ascii: "[") {
            guard let close = (hostStart..<count).first(where: { bytes[$0] == UInt8(ascii: "]") }) else { return .failure(.badHost) }
            guard isIPv6Literal(bytes, hostStart + 1, close) else { return .failure(.badHost) }
            hostEnd = close + 1
            guard hostEnd == count || bytes[hostEnd] == UInt8(ascii: ":") else { return .failure(.badHost) }
        } else {
            hostEnd = hostStart
            while hostEnd < count, bytes[hostEnd] != UInt8(ascii: ":") { hostEnd += 1 }
            guard isDNSHost(bytes, hostStart, hostEnd) else { return .failure(.badHost) }
        }

        // [":" port]
        guard hostEnd < count else {
            return .success(OriginParts(schemeEnd: schemeEnd, hostStart: hostStart, hostEnd: hostEnd, hasPort: false))
        }
        guard let port = parsePort(bytes, hostEnd + 1, count) else { return .failure(.badPort) }
        if let defaultPort = defaultPort(bytes, schemeEnd), defaultPort == port { return .failure(.defaultPort) }
        return .success(OriginParts(schemeEnd: schemeEnd, hostStart: hostStart, hostEnd: hostEnd, hasPort: true))
    }

    /// Parses `origin` (see the other overload); `"null"` and every non-origin fail.
    static func parse(_ origin: String) -> Result<OriginParts, OriginProblem> {
        var origin = origin
        return origin.withUTF8 { parse($0) }
    }

    /// `[a-z][a-z0-9+.-]*`
    static func isScheme(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end > start, isLowerAlpha(bytes[start]) else { return false }
        for byte in bytes[(start + 1)..<end] {
            guard isLowerAlpha(byte) || isDigit(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") else {
                return false
            }
        }
        return true
    }

    /// Lowercase DNS-style labels, each 1–63 bytes of `[a-z0-9_-]`, at most 253 bytes plus an
    /// optional trailing dot.
    static func isDNSHost(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var end = end
        if end > start, bytes[end - 1] == UInt8(ascii: ".") { end -= 1 }
        guard end > start, end - start <= 253 else { return false }
        var labelLength = 0
        for byte in bytes[start..<end] {
            if byte == UInt8(ascii: ".") {
                guard labelLength > 0 else { return false }
                labelLength = 0
            } else if isLowerAlpha(byte) || isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") {
                labelLength += 1
                guard labelLength <= 63 else { return false }
            } else {
                return false
            }
        }
        return labelLength > 0
    }

    /// The inside of `[...]`: lowercase hex digits, colons (at least two) and dots (embedded IPv4).
    static func isIPv6Literal(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end - start >= 2, end - start <= 45 else { return false }
        var colons = 0
        for byte in bytes[start..<end] {
            if byte == UInt8(ascii: ":") { colons += 1; continue }
            guard isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f")) || byte == UInt8(ascii: ".") else { return false }
        }
        return colons >= 2
    }

    /// 1–65535, decimal, no sign, no leading zero.
    static func parsePort(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        guard end > start, end - start <= 5, bytes[start] != UInt8(ascii: "0") else { return nil }
        var value = 0
        for byte in bytes[start..<end] {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value <= 65535 ? value : nil
    }

    /// 80 for http, 443 for https; nil for schemes whose origins carry no default port rule here.
    static func defaultPort(_ bytes: UnsafeBufferPointer<UInt8>, _ schemeEnd: Int) -> Int? {
        if schemeEnd == 4, bytes[0] == UInt8(ascii: "h"), bytes[1] == UInt8(ascii: "t"), bytes[2] == UInt8(ascii: "t"), bytes[3] == UInt8(ascii: "p") {
            return 80
        }
        if schemeEnd == 5, bytes[0] == UInt8(ascii: "h"), bytes[1] == UInt8(ascii: "t"), bytes[2] == UInt8(ascii: "t"), bytes[3] == UInt8(ascii: "p"),
           bytes[4] == UInt8(ascii: "s") {
            return 443
        }
        return nil
    }

    @inline(__always) static func isLowerAlpha(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
