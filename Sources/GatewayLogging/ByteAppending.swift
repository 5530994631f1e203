/// Line building on raw UTF-8 bytes: cheaper than String concatenation on the logging hot path.
extension Array where Element == UInt8 {
    mutating func append(ascii text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }

    /// Appends `value` in decimal, zero-padded to at least `width` digits. Negative values (only a
    /// broken clock yields them) print as 0: a log line must never trap the server.
    mutating func append(decimal value: Int, width: Int) {
        let value = Swift.max(value, 0)
        var divisor = 1
        var digits = 1
        while divisor <= value / 10 {
            divisor *= 10
            digits += 1
        }
        for _ in digits..<Swift.max(width, digits) {
            append(UInt8(ascii: "0"))
        }
        var rest = value
        while divisor > 0 {
            append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// Appends `\u00XX`, the escape both formats use for control characters.
    mutating func append(unicodeEscapeOf byte: UInt8) {
        let hex: StaticString = "0123456789abcdef"
        append(ascii: "\\u00")
        hex.withUTF8Buffer { digits in
            append(digits[Int(byte >> 4)])
            append(digits[Int(byte & 0x0F)])
        }
    }
}
