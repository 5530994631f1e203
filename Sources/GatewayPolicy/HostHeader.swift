/// The one shape a request's `Host` may have (SPEC §11): `host[:port]`, where host is a DNS
/// name without empty labels, a dotted-quad IPv4 address or a bracketed IPv6 address, and the
/// port 1–5 digits up to 65535. Anything else is 400: a Host is matched against routes and
/// sent on as `X-Forwarded-Host`, so `admin.internal:@evil.com`, which URL parsers read as
/// user info before `evil.com`, or `x..example.com`, must not get that far.
///
/// Decisions beyond the SPEC's words:
/// - DNS labels are 1–63 letters, digits, `-` and `_` (underscores occur in real internal
///   names, and none of them is a separator anywhere); a name is at most 253 bytes. One
///   trailing dot (the fully qualified form) is accepted, as routing strips it.
/// - A name whose last label is numeric (all digits, or `0x` and hex digits) is read as an
///   IPv4 address by URL parsers and `inet_aton` (`127.1`, `0x7f.0.0.1`, `2130706433`), so it
///   must then be a plain dotted quad of decimals 0–255 without leading zeros.
/// - IPv6 is RFC 4291 text form (at most one `::`, an optional dotted-quad tail), without
///   zone identifier; `[v1.x]` (IPvFuture) is refused.
/// - An empty value, an empty port (`host:`) and a port above 65535 are refused.
/// - A request without Host at all is the caller's to judge (HTTP/1.0 may omit it).
public enum HostHeader {
    public static func isValid(_ value: String) -> Bool {
        // Over the string's own bytes: generic code over `String.UTF8View` cost a proxied
        // request about 0.25 µs (its index type is not a plain integer).
        var value = value
        return value.withUTF8 { isValid($0) }
    }

    public static func isValid<Bytes: BidirectionalCollection<UInt8>>(_ value: Bytes) -> Bool {
        let host: Bytes.SubSequence
        let port: Bytes.SubSequence?
        if value.first == UInt8(ascii: "[") {
            guard let close = value.firstIndex(of: UInt8(ascii: "]")) else { return false }
            let afterClose = value.index(after: close)
            host = value[value.index(after: value.startIndex)..<close]
            guard isIPv6(host) else { return false }
            if afterClose == value.endIndex { return true }
            guard value[afterClose] == UInt8(ascii: ":") else { return false }
            port = value[value.index(after: afterClose)...]
        } else if let colon = value.firstIndex(of: UInt8(ascii: ":")) {
            host = value[..<colon]
            port = value[value.index(after: colon)...]
            guard isName(host) else { return false }
        } else {
            host = value[...]
            port = nil
            guard isName(host) else { return false }
        }
        return port.map { isPort($0) } ?? true
    }

    /// 1–5 digits, at most 65535.
    static func isPort(_ bytes: some Collection<UInt8>) -> Bool {
        guard (1...5).contains(bytes.count), bytes.allSatisfy(isDigit) else { return false }
        return bytes.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } <= 65535
    }

    /// A DNS name or, when its last label is numeric, a dotted-quad IPv4 address.
    static func isName<Bytes: BidirectionalCollection<UInt8>>(_ bytes: Bytes) -> Bool {
        var name = bytes[...]
        if name.last == UInt8(ascii: ".") { name = name.dropLast() }
        guard !name.isEmpty, name.count <= 253 else { return false }
        // One pass over the labels without splitting (an array per request); only a name that
        // ends in a numeric label, which must then be an IPv4 address, is read again.
        var labelLength = 0
        var lastLabel = name.startIndex
        var index = name.startIndex
        while index != name.endIndex {
            let byte = name[index]
            if byte == UInt8(ascii: ".") {
                guard labelLength > 0 else { return false }
                labelLength = 0
                lastLabel = name.index(after: index)
            } else {
                guard labelLength < 63, isLabelByte(byte) else { return false }
                labelLength += 1
            }
            index = name.index(after: index)
        }
        guard labelLength > 0 else { return false }
        if isNumeric(name[lastLabel...]) {
            return isDottedQuad(name)
        }
        return true
    }

    private static func isLabelByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    /// What URL parsers take for a number: decimal digits, or `0x` with hex digits.
    private static func isNumeric(_ label: some Collection<UInt8>) -> Bool {
        if label.allSatisfy(isDigit) { return true }
        guard label.first == UInt8(ascii: "0"), let second = label.dropFirst().first, second | 0x20 == UInt8(ascii: "x") else { return false }
        return label.dropFirst(2).allSatisfy(isHexDigit)
    }

    /// Four decimals 0–255 without leading zeros, joined by dots. Read in one pass, as names
    /// are: `127.0.0.1` is the Host of every local client and health check.
    private static func isDottedQuad(_ bytes: some Collection<UInt8>) -> Bool {
        var dots = 0
        var digits = 0
        var octet = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return false }
                dots += 1
                digits = 0
                octet = 0
            } else {
                guard isDigit(byte), digits < 3, !(digits == 1 && octet == 0) else { return false }
                octet = octet * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
                guard octet <= 255 else { return false }
            }
        }
        return dots == 3 && digits > 0
    }

    /// RFC 4291 §2.2 text form: eight groups of 1–4 hex digits, at most one `::` standing for
    /// one or more zero groups, and optionally a dotted quad in place of the last two groups.
    static func isIPv6<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        let text = Array(bytes)
        guard text.count >= 2 else { return false }
        var groups = 0
        var sawDoubleColon = false
        var index = 0
        if text.starts(with: [UInt8(ascii: ":"), UInt8(ascii: ":")]) {
            sawDoubleColon = true
            index = 2
            if index == text.count { return true }  // "::"
        } else if text[0] == UInt8(ascii: ":") {
            return false
        }
        while index < text.count {
            var end = index
            while end < text.count, text[end] != UInt8(ascii: ":") { end += 1 }
            let group = text[index..<end]
            if end == text.count, group.contains(UInt8(ascii: ".")) {
                // The dotted-quad tail counts as two groups.
                guard isDottedQuad(group) else { return false }
                groups += 2
                break
            }
            guard (1...4).contains(group.count), group.allSatisfy(isHexDigit) else { return false }
            groups += 1
            guard end < text.count else { break }
            // A separator: ":" before another group, or "::" once.
            if end + 1 < text.count, text[end + 1] == UInt8(ascii: ":") {
                guard !sawDoubleColon else { return false }
                sawDoubleColon = true
                index = end + 2
                if index == text.count { break }  // ends with "::"
            } else {
                index = end + 1
                guard index < text.count else { return false }  // ends with a single ":"
            }
        }
        return sawDoubleColon ? groups <= 7 : groups == 8
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
    }
}
