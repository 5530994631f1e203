import Logging

/// `key=value` pairs separated by single spaces, fields in record order.
enum LogfmtLine {
    static func render(_ record: LogRecord) -> String {
        var line: [UInt8] = []
        line.reserveCapacity(96 + record.message.utf8.count)
        line.appendFixedFields(.logfmt, time: record.time, level: record.level, logger: record.logger, message: record.message)
        for field in record.fields {
            line.append(UInt8(ascii: " "))
            line.append(logfmtKey: field.key)
            line.append(UInt8(ascii: "="))
            line.append(logfmtValue: logfmtText(field.value))
        }
        return String(decoding: line, as: UTF8.self)
    }

    /// Strings as they are, other scalars by their description, arrays and dictionaries as JSON text.
    private static func logfmtText(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text):
            return text
        case .stringConvertible(let convertible):
            return convertible.description
        case .array, .dictionary:
            var json: [UInt8] = []
            json.append(jsonValue: value)
            return String(decoding: json, as: UTF8.self)
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends `text` bare when that is unambiguous (non-empty printable ASCII without space, `"`, `=`
    /// or `\`), otherwise double-quoted with `\"`, `\\`, `\n`, `\r`, `\t` and `\u00XX` escapes, which
    /// are exactly a JSON string's.
    mutating func append(logfmtValue text: String) {
        // Checked and copied over the string's own bytes (`withUTF8` makes a foreign string native
        // first): the access log writes eight values a request, and UTF8View's iterator cost 0.7%
        // of a proxied GET.
        var text = text
        let bare = text.withUTF8 { bytes in
            guard !bytes.isEmpty, bytes.allSatisfy(isBareLogfmtByte) else { return false }
            self.append(contentsOf: bytes)
            return true
        }
        if !bare { append(jsonString: text) }
    }

    /// Appends `key` with every character a bare value could not hold replaced by `_`: logfmt has no
    /// quoting for keys, and a space or `=` in one would misalign every pair after it.
    mutating func append(logfmtKey key: String) {
        guard !key.isEmpty else {
            append(UInt8(ascii: "_"))
            return
        }
        for scalar in key.unicodeScalars {
            append(scalar.isASCII && isBareLogfmtByte(UInt8(scalar.value)) ? UInt8(scalar.value) : UInt8(ascii: "_"))
        }
    }
}

private func isBareLogfmtByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "\""), UInt8(ascii: "="), UInt8(ascii: "\\"): false
    default: (0x21...0x7E).contains(byte)
    }
}
