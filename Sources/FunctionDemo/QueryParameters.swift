/// The query of a request URI as name/value pairs in order, decoded the way Express (and so
/// Twilio Functions) decodes form-style queries: `+` is a space, `%XX` a byte.
func queryParameters(of uri: String) -> [(String, String)] {
    guard let questionMark = uri.firstIndex(of: "?") else { return [] }
    return uri[uri.index(after: questionMark)...].split(separator: "&").map { item in
        let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        return (formDecoded(parts[0]), parts.count > 1 ? formDecoded(parts[1]) : "")
    }
}

private func formDecoded(_ text: Substring) -> String {
    let bytes = Array(text.utf8)
    var decoded: [UInt8] = []
    var index = 0
    while index < bytes.count {
        switch bytes[index] {
        case UInt8(ascii: "+"):
            decoded.append(UInt8(ascii: " "))
            index += 1
        case UInt8(ascii: "%") where index + 2 < bytes.count:
            if let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                decoded.append(high << 4 | low)
                index += 3
            } else {
                decoded.append(bytes[index])
                index += 1
            }
        default:
            decoded.append(bytes[index])
            index += 1
        }
    }
    return String(decoding: decoded, as: UTF8.self)
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}
