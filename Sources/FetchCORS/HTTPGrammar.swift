// The few RFC 9110 grammar pieces the CORS decisions need, on bytes.

/// ASCII-only lowercasing (header names and tokens are ASCII; nothing else changes).
public func asciiLowercased(_ text: String) -> String {
    String(decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
}

/// ASCII-only uppercasing.
public func asciiUppercased(_ text: String) -> String {
    String(decoding: text.utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
}

/// RFC 9110 `token`: one or more tchar.
public func isToken(_ text: String) -> Bool {
    !text.isEmpty && text.utf8.allSatisfy(isTokenByte)
}

func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
        return true
    default:
        return "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}

/// HTTP whitespace around a value or a list element: space and tab.
func trimmingHTTPWhitespace(_ text: Substring) -> Substring {
    let isWhitespace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    guard let first = text.firstIndex(where: { !isWhitespace($0) }) else { return "" }
    let last = text.lastIndex(where: { !isWhitespace($0) })!
    return text[first...last]
}

/// The elements of a comma-separated list header, trimmed, empty elements skipped (as
/// Chromium's `HttpUtil::ValuesIterator` reads `Access-Control-Allow-Methods` and friends).
public func listElements(_ value: String) -> [String] {
    value.split(separator: ",", omittingEmptySubsequences: false)
        .map { String(trimmingHTTPWhitespace($0)) }
        .filter { !$0.isEmpty }
}
