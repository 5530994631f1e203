/// One Set-Cookie line, parsed per RFC 6265bis §5.6 into the attributes the policy touches.
/// Of repeated attributes the last one counts (as in browsers); other attributes are kept as
/// written, in order, after the known ones.
struct SetCookieLine {
    struct Problem: Error {
        let reason: String
    }

    var name: String
    var value: String
    var path: String?
    var domain: String?
    var expires: String?
    /// A valid Max-Age (RFC 6265bis §5.6.2): the seconds (saturated) and the text as written.
    var maxAge: (seconds: Int64, text: String)?
    var secure = false
    var httpOnly = false
    /// The value as written.
    var sameSite: String?
    var partitioned = false
    /// Unknown attributes, trimmed, as written.
    var others: [String] = []

    /// `Strict`, `Lax` or `None` when `sameSite` is one of them (case-insensitive).
    var recognizedSameSite: CookieConfig.SameSite? {
        guard let sameSite else { return nil }
        return CookieConfig.SameSite.allCases.first { $0.rawValue.lowercased() == sameSite.lowercased() }
    }

    /// RFC 6265bis §5.6 step 1/4: a cookie whose name and value together pass this is ignored.
    static let maxNameValueBytes = 4096

    static func parse(_ line: String) -> Result<SetCookieLine, Problem> {
        let bytes = Array(line.utf8)
        // CTLs other than HTAB abort the whole line (RFC 6265bis §5.6 step 1).
        if bytes.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
            return .failure(Problem(reason: "control character in the Set-Cookie line"))
        }
        let firstEnd = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
        let pair = bytes[..<firstEnd]
        guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else {
            return .failure(Problem(reason: "no \"=\" in the first name=value pair"))
        }
        let name = trimmed(pair[..<equals])
        let value = trimmed(pair[(equals + 1)...])
        if name.isEmpty {
            return .failure(Problem(reason: "empty cookie name"))
        }
        if name.count + value.count > maxNameValueBytes {
            return .failure(Problem(reason: "name and value longer than \(maxNameValueBytes) bytes"))
        }
        var cookie = SetCookieLine(name: string(name), value: string(value))

        var start = firstEnd + 1
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
            cookie.apply(trimmed(bytes[start..<end]))
            start = end + 1
        }
        return .success(cookie)
    }

    private mutating func apply(_ attribute: ArraySlice<UInt8>) {
        guard !attribute.isEmpty else { return }
        let equals = attribute.firstIndex(of: UInt8(ascii: "="))
        let name = lowercased(trimmed(attribute[..<(equals ?? attribute.endIndex)]))
        let value = equals.map { Self.string(trimmed(attribute[($0 + 1)...])) } ?? ""
        switch name {
        case "path": path = value
        case "domain": domain = value.isEmpty ? nil : value
        case "expires": expires = value
        case "max-age":
            // Not a valid delta-seconds: ignored by browsers, so left out.
            if let seconds = Self.deltaSeconds(value) { maxAge = (seconds, value) }
        case "secure": secure = true
        case "httponly": httpOnly = true
        case "samesite": sameSite = value
        case "partitioned": partitioned = true
        default: others.append(Self.string(attribute))
        }
    }

    /// `-`? DIGIT+, saturating (a huge Max-Age is still over any cap).
    private static func deltaSeconds(_ text: String) -> Int64? {
        var digits = Substring(text)
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        var seconds: Int64 = 0
        for digit in digits.utf8 {
            let (times, overflow1) = seconds.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(digit - 0x30))
            if overflow1 || overflow2 { seconds = .max; break }
            seconds = sum
        }
        return negative ? -seconds : seconds
    }

    /// `Name=value; Path=…; Domain=…; Expires=…; Max-Age=…; Secure; HttpOnly; SameSite=…;
    /// Partitioned`, then the unknown attributes in their order.
    func serialized() -> String {
        var line = name + "=" + value
        if let path { line += "; Path=" + path }
        if let domain { line += "; Domain=" + domain }
        if let expires { line += "; Expires=" + expires }
        if let maxAge { line += "; Max-Age=" + maxAge.text }
        if secure { line += "; Secure" }
        if httpOnly { line += "; HttpOnly" }
        if let sameSite { line += "; SameSite=" + sameSite }
        if partitioned { line += "; Partitioned" }
        for other in others { line += "; " + other }
        return line
    }

    private static func string(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    private func lowercased(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
