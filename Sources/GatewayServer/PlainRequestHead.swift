/// A request head in the one strict shape the preflight fast lane reads without NIO's decoder:
/// `METHOD SP origin-form-target SP HTTP/1.1 CRLF`, then `name: value CRLF` lines, then CRLF.
///
/// Anything outside that shape is `unsupported`, and the fast lane hands the bytes to NIO's
/// decoder unread, so this parser never has to agree with llhttp on a malformed or unusual
/// head: it only accepts heads llhttp parses the same way. Not accepted: other versions, bare
/// LF, obs-fold, whitespace before the colon or at the end of a value, control characters and
/// bytes above 0x7E, and target characters outside RFC 3986's pchar and query sets.
struct PlainRequestHead {
    /// Byte offsets into the parsed bytes, `start..<end`.
    struct Span: Equatable {
        var start: Int
        var end: Int

        var count: Int { self.end - self.start }
    }

    struct Field: Equatable {
        var name: Span
        var value: Span
    }

    enum Outcome: Equatable {
        /// The head ends at `length` bytes (its final CRLF included); `fields` holds its lines.
        case complete(method: Span, target: Span, length: Int)
        /// Valid so far, but the final CRLF has not arrived.
        case incomplete
        case unsupported
    }

    /// Parses `bytes` from their start. `fields` is the caller's, reused across requests so a
    /// head costs no allocation; it is emptied first. At most `maxFields` lines are read: a head
    /// with more is `unsupported` (NIO's decoder and the limits answer it).
    static func parse(_ bytes: UnsafeRawBufferPointer, fields: inout [Field], maxFields: Int) -> Outcome {
        fields.removeAll(keepingCapacity: true)
        var cursor = 0
        let count = bytes.count

        // Request line.
        let methodStart = cursor
        while cursor < count, isTokenByte(bytes[cursor]) { cursor += 1 }
        guard cursor < count else { return .incomplete }
        let method = Span(start: methodStart, end: cursor)
        guard method.count > 0, bytes[cursor] == space else { return .unsupported }
        cursor += 1
        let targetStart = cursor
        while cursor < count, isTargetByte(bytes[cursor]) { cursor += 1 }
        guard cursor < count else { return .incomplete }
        let target = Span(start: targetStart, end: cursor)
        guard target.count > 0, bytes[targetStart] == UInt8(ascii: "/"), bytes[cursor] == space else { return .unsupported }
        cursor += 1
        for expected in versionAndCRLF {
            guard cursor < count else { return .incomplete }
            guard bytes[cursor] == expected else { return .unsupported }
            cursor += 1
        }

        // Header lines, up to the empty line.
        while true {
            guard cursor < count else { return .incomplete }
            if bytes[cursor] == cr {
                guard cursor + 1 < count else { return .incomplete }
                guard bytes[cursor + 1] == lf else { return .unsupported }
                return .complete(method: method, target: target, length: cursor + 2)
            }
            guard fields.count < maxFields else { return .unsupported }
            let nameStart = cursor
            while cursor < count, isTokenByte(bytes[cursor]) { cursor += 1 }
            guard cursor < count else { return .incomplete }
            let name = Span(start: nameStart, end: cursor)
            guard name.count > 0, bytes[cursor] == UInt8(ascii: ":") else { return .unsupported }
            cursor += 1
            while cursor < count, bytes[cursor] == space || bytes[cursor] == tab { cursor += 1 }
            let valueStart = cursor
            while cursor < count, isValueByte(bytes[cursor]) { cursor += 1 }
            guard cursor < count else { return .incomplete }
            guard bytes[cursor] == cr else { return .unsupported }
            guard cursor + 1 < count else { return .incomplete }
            guard bytes[cursor + 1] == lf else { return .unsupported }
            let value = Span(start: valueStart, end: cursor)
            // Trailing whitespace: llhttp's trimming is not ours to reproduce.
            if value.count > 0, bytes[cursor - 1] == space || bytes[cursor - 1] == tab { return .unsupported }
            fields.append(Field(name: name, value: value))
            cursor += 2
        }
    }

    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")
    private static let versionAndCRLF: [UInt8] = Array("HTTP/1.1\r\n".utf8)

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return false
        }
    }

    /// RFC 9110 §5.6.2 tchar.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        if isAlphanumeric(byte) { return true }
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// RFC 3986 pchar, "/" and "?" (path and query of an origin-form target), percent signs
    /// included as they are.
    static func isTargetByte(_ byte: UInt8) -> Bool {
        if isAlphanumeric(byte) { return true }
        switch byte {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "%"),
            UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"), UInt8(ascii: "?"):
            return true
        default:
            return false
        }
    }

    /// Visible ASCII, space and tab (RFC 9110 §5.5 field-vchar without obs-text).
    static func isValueByte(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || byte == space || byte == tab
    }
}
