import Logging

/// JSON text (RFC 8259) for strings and metadata values, shared by the JSON lines and by logfmt,
/// which writes arrays and dictionaries as their JSON text.
extension Array where Element == UInt8 {
    /// Appends `text` as a JSON string: quotes and backslashes escaped, control characters (and DEL)
    /// as `\n`, `\r`, `\t` or `\u00XX` so no value can break the line, other UTF-8 passed through.
    mutating func append(jsonString text: String) {
        append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): append(ascii: "\\\"")
            case UInt8(ascii: "\\"): append(ascii: "\\\\")
            case UInt8(ascii: "\n"): append(ascii: "\\n")
            case UInt8(ascii: "\r"): append(ascii: "\\r")
            case UInt8(ascii: "\t"): append(ascii: "\\t")
            case 0x00..<0x20, 0x7F: append(unicodeEscapeOf: byte)
            default: append(byte)
            }
        }
        append(UInt8(ascii: "\""))
    }

    /// Appends `value` as JSON: numbers and booleans given as `.stringConvertible` keep their type,
    /// arrays and dictionaries nest (dictionary keys sorted), everything else is a string.
    mutating func append(jsonValue value: Logger.MetadataValue) {
        switch value {
        case .string(let text):
            append(jsonString: text)
        case .stringConvertible(let convertible):
            if let literal = jsonLiteral(convertible) {
                append(contentsOf: literal.utf8)
            } else {
                append(jsonString: convertible.description)
            }
        case .array(let elements):
            append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { append(UInt8(ascii: ",")) }
                append(jsonValue: element)
            }
            append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            append(UInt8(ascii: "{"))
            for (index, entry) in dictionary.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { append(UInt8(ascii: ",")) }
                append(jsonString: entry.key)
                append(UInt8(ascii: ":"))
                append(jsonValue: entry.value)
            }
            append(UInt8(ascii: "}"))
        }
    }
}

/// The JSON number or boolean for integer, finite floating-point and Bool values; nil for anything
/// else, including NaN and infinities, which JSON cannot express.
private func jsonLiteral(_ value: any CustomStringConvertible & Sendable) -> String? {
    switch value {
    case let bool as Bool:
        return bool ? "true" : "false"
    case is Int, is Int8, is Int16, is Int32, is Int64, is UInt, is UInt8, is UInt16, is UInt32, is UInt64:
        return value.description
    case let double as Double:
        return double.isFinite ? double.description : nil
    case let float as Float:
        return float.isFinite ? float.description : nil
    default:
        return nil
    }
}
