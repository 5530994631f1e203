/// Splits a URI's query into percent-decoded name/value pairs, in order, duplicates kept.
///
/// `+` is left as is (only `%XX` is decoded) so that header values such as `a+b` survive
/// `/headers` unchanged; a malformed `%` escape is kept literally.
func queryItems(of uri: String) -> [(String, String)] {
    guard let questionMark = uri.firstIndex(of: "?") else { return [] }
    let query = uri[uri.index(after: questionMark)...]
    return query.split(separator: "&", omittingEmptySubsequences: true).map { item in
        let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        return (percentDecoded(parts[0]), parts.count > 1 ? percentDecoded(parts[1]) : "")
    }
}

/// The part of a URI before its query.
func pathOf(_ uri: String) -> Substring {
    uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
}

private func percentDecoded(_ text: Substring) -> String {
    let bytes = Array(text.utf8)
    var decoded: [UInt8] = []
    decoded.reserveCapacity(bytes.count)
    var index = 0
    while index < bytes.count {
        if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
            let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
        {
            decoded.append(high << 4 | low)
            index += 3
        } else {
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
