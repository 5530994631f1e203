/// Fetch #cors-safelisted-request-header: a header a page may send cross-origin without a
/// preflight. The name decides the value rule; any value over 128 bytes is unsafe.
public enum SafelistedRequestHeader {
    public static let maxValueBytes = 128

    /// Names Chromium safelists on top (client hints a script can set, and `Intervention`).
    public static let chromiumExtraNames: Set<String> = [
        "intervention", "device-memory", "dpr", "width", "viewport-width", "rtt", "downlink", "ect", "save-data",
    ]

    /// The three `Content-Type` essences that need no preflight.
    public static let safelistedContentTypes: Set<String> = [
        "application/x-www-form-urlencoded", "multipart/form-data", "text/plain",
    ]

    public static func isSafelisted(name: String, value: String, rules: BrowserRules = .chromium) -> Bool {
        guard value.utf8.count <= self.maxValueBytes else { return false }
        let lower = asciiLowercased(name)
        switch lower {
        case "accept":
            return !value.utf8.contains(where: isCORSUnsafeRequestHeaderByte)
        case "accept-language", "content-language":
            return value.utf8.allSatisfy(isLanguageByte)
        case "content-type":
            return isSafelistedContentType(value)
        case "range":
            return isSimpleRange(value)
        default:
            guard rules.safelistsClientHints, self.chromiumExtraNames.contains(lower) else { return false }
            return isChromiumClientHintValue(name: lower, value: value)
        }
    }

    /// Fetch #cors-unsafe-request-header-byte.
    public static func isCORSUnsafeRequestHeaderByte(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != 0x09) || byte == 0x7F || "\"():<>?@[\\]{}".utf8.contains(byte)
    }

    /// `Accept-Language` / `Content-Language`: 0-9 A-Z a-z space * , - . ; = only.
    static func isLanguageByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
            return true
        default:
            return " *,-.;=".utf8.contains(byte)
        }
    }

    /// No unsafe byte, and the parsed MIME type's essence is one of the three.
    public static func isSafelistedContentType(_ value: String) -> Bool {
        guard !value.utf8.contains(where: isCORSUnsafeRequestHeaderByte) else { return false }
        guard let essence = mimeTypeEssence(value) else { return false }
        return self.safelistedContentTypes.contains(essence)
    }

    /// The lowercased `type/subtype` of a MIME type (WHATWG "parse a MIME type", parameters
    /// ignored); nil when it does not parse.
    public static func mimeTypeEssence(_ value: String) -> String? {
        let trimmed = trimmingHTTPWhitespace(Substring(value))
        guard let slash = trimmed.firstIndex(of: "/") else { return nil }
        let type = String(trimmed[..<slash])
        let rest = trimmed[trimmed.index(after: slash)...]
        let subtype = String(trimmingHTTPWhitespace(rest.prefix { $0 != ";" }))
        guard isToken(type), isToken(subtype) else { return nil }
        return asciiLowercased(type + "/" + subtype)
    }

    /// Fetch #simple-range-header-value: `bytes=N-` or `bytes=N-M` with N <= M, one range.
    /// Chromium parses N and M as 64-bit integers; larger numbers make the value unsafe.
    public static func isSimpleRange(_ value: String) -> Bool {
        guard value.hasPrefix("bytes=") else { return false }
        let range = value.dropFirst("bytes=".count)
        guard let dash = range.firstIndex(of: "-") else { return false }
        guard let first = decimal(range[..<dash]) else { return false }
        let lastText = range[range.index(after: dash)...]
        if lastText.isEmpty { return true }
        guard let last = decimal(lastText) else { return false }
        return first <= last
    }

    /// 1*DIGIT as a 64-bit number; nil when empty, not digits, or too large.
    private static func decimal(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int64(text)
    }

    /// Chromium's value rules for its extra names.
    static func isChromiumClientHintValue(name: String, value: String) -> Bool {
        switch name {
        case "device-memory", "dpr", "downlink":
            return isDecimalNumber(value)
        case "width", "viewport-width", "rtt":
            return !value.isEmpty && value.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        case "ect":
            return ["slow-2g", "2g", "3g", "4g"].contains(value)
        case "save-data":
            return asciiLowercased(value) == "on"
        default:  // intervention
            return true
        }
    }

    /// `1*DIGIT [ "." 1*DIGIT ]`.
    static func isDecimalNumber(_ value: String) -> Bool {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        return parts.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
    }
}
