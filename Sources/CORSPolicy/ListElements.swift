// RFC 9110 §5.6.1 lists: comma-separated elements with optional whitespace (SP, HTAB) around
// them, possibly over several field lines. Used for Access-Control-Request-Headers and Vary.
// Elements are handed out as byte ranges of the value's contiguous UTF-8, so walking a list
// allocates nothing.

/// Calls `body` with the value's bytes and the range of every element, trimmed of OWS; empty
/// elements (`a,,b`, a leading or trailing comma, an empty value) are passed too, as empty ranges.
func forEachListElement(_ value: String, _ body: (UnsafeBufferPointer<UInt8>, Range<Int>) -> Void) {
    var value = value
    value.withUTF8 { bytes in
        forEachRange(bytes) { range in body(bytes, range) }
    }
}

@inline(__always)
func isOWS(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
}

/// ASCII-case-insensitive equality of a byte range and a string.
@inline(__always)
func rangeEqualsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ other: [UInt8]) -> Bool {
    guard range.count == other.count else { return false }
    var j = 0
    for index in range {
        if asciiLowercased(bytes[index]) != asciiLowercased(other[j]) { return false }
        j += 1
    }
    return true
}

/// The text of a byte range (for messages and collected names).
func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
}
