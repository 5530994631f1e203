import NIOCore
import NIOHTTP1

/// Byte scans of a client's stream for the request decoder (`NonUpgradingRequestDecoder`).
enum RequestHeadBytes {
    /// Whether any byte is above 0x7F: only then can there be obs-text to escape.
    static func hasHighByte(_ bytes: ByteBufferView.SubSequence) -> Bool {
        bytes.withContiguousStorageIfAvailable { buffer in
            // Eight bytes at a time; unaligned loads are fine on every platform Swift runs on.
            let raw = UnsafeRawBufferPointer(buffer)
            var index = 0
            while index + 8 <= raw.count {
                if raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return true }
                index += 8
            }
            while index < raw.count {
                if raw[index] >= 0x80 { return true }
                index += 1
            }
            return false
        } ?? bytes.contains { $0 >= 0x80 }
    }

    /// The last two bytes NIO's decoder consumed: a head's blank line can begin before the
    /// bytes still in the buffer.
    struct ConsumedTail: Equatable {
        var secondToLast: UInt8 = 0
        var last: UInt8 = 0

        mutating func consumed(_ bytes: ByteBufferView) {
            guard let last = bytes.last else { return }
            self.secondToLast = bytes.count >= 2 ? bytes[bytes.endIndex - 2] : self.last
            self.last = last
        }
    }

    /// The offset just past the first empty line (a line feed, an optional carriage return and
    /// a line feed), counting the bytes consumed before these: the end of the head these bytes
    /// belong to, or of blank lines before one; nil when it has not all arrived. llhttp ends a
    /// head at no earlier point, so no byte before this offset can be a body byte.
    static func endOfHead(_ bytes: ByteBufferView, after tail: ConsumedTail) -> Int? {
        let lineFeed = UInt8(ascii: "\n")
        let carriageReturn = UInt8(ascii: "\r")
        var previous = tail.secondToLast
        var last = tail.last
        var offset = 0
        for byte in bytes {
            offset += 1
            if byte == lineFeed, last == lineFeed || last == carriageReturn && previous == lineFeed { return offset }
            (previous, last) = (last, byte)
        }
        return nil
    }

    /// Whether the target or a header holds U+FFFD, what NIO's decoder makes of bytes that are
    /// not UTF-8.
    static func holdsReplacementCharacter(_ head: HTTPRequestHead) -> Bool {
        func holds(_ text: String) -> Bool { text.unicodeScalars.contains("\u{FFFD}") }
        return holds(head.uri) || head.headers.contains { holds($0.name) || holds($0.value) }
    }
}
