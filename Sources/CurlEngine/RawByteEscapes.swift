#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Carries header bytes that are not UTF-8 (obs-text such as ISO-8859-1 `é`, 0xE9) inside a
/// Swift `String` without losing them, so they reach the backend byte for byte (SPEC §11).
///
/// NIO's request decoder turns every header into a `String` by UTF-8 decoding, which replaces
/// each invalid sequence with U+FFFD. So the request decoder escapes those bytes first: each
/// becomes the scalar U+10FF00 + byte, in U+10FF80…U+10FFFF (the end of plane 16, private
/// use). A valid scalar of that range that the client really sent is escaped byte by byte
/// too, so reading every scalar of the range back as one byte restores exactly the bytes that
/// came in. Valid UTF-8 outside the range is left as it is: for it, escaping changes nothing.
public enum RawByteEscapes {
    static let base: UInt32 = 0x10FF00
    /// The first byte of the UTF-8 form of every scalar in the escape range.
    static let leadByte: UInt8 = 0xF4

    /// `bytes` with the escapes applied, or nil when they are UTF-8 that needs none.
    public static func escaping(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var escaped: [UInt8]?
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .emptyInput:
                return escaped
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                if scalar.value >= Self.base + 0x80 {
                    if escaped == nil { escaped = Array(bytes[0..<offset]) }
                    for byte in encoded { self.appendEscape(of: byte, to: &escaped!) }
                } else {
                    escaped?.append(contentsOf: encoded)
                }
                offset += encoded.count
            case .error(let length):
                if escaped == nil { escaped = Array(bytes[0..<offset]) }
                for byte in bytes[offset..<(offset + length)] { self.appendEscape(of: byte, to: &escaped!) }
                offset += length
            }
        }
    }

    private static func appendEscape(of byte: UInt8, to output: inout [UInt8]) {
        // U+10FF00 + byte in UTF-8: F4 8F, then 0b10_1111_xx and 0b10_xxxxxx from the byte.
        output.append(Self.leadByte)
        output.append(0x8F)
        output.append(0xBC | byte >> 6)
        output.append(0x80 | byte & 0x3F)
    }

    /// Whether `text` may hold escapes (its UTF-8 has the lead byte of the range).
    static func mayHoldEscapes(_ text: String) -> Bool {
        // memchr: this runs for every header line of every proxied request.
        text.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.isEmpty ? false : memchr(bytes.baseAddress!, Int32(Self.leadByte), bytes.count) != nil
        } ?? text.utf8.contains(Self.leadByte)
    }

    /// How many bytes `text` stands for once its escapes are read back.
    static func rawByteCount(_ text: String) -> Int {
        guard Self.mayHoldEscapes(text) else { return text.utf8.count }
        return text.unicodeScalars.reduce(0) { count, scalar in
            count + (self.isEscape(scalar) ? 1 : UTF8.width(scalar))
        }
    }

    /// Writes the bytes `text` stands for at `cursor` and moves it past them.
    static func writeRaw(_ text: String, to cursor: inout UnsafeMutablePointer<UInt8>) {
        for scalar in text.unicodeScalars {
            if self.isEscape(scalar) {
                cursor.pointee = UInt8(truncatingIfNeeded: scalar.value - Self.base)
                cursor += 1
            } else {
                for byte in UTF8.encode(scalar)! {
                    cursor.pointee = byte
                    cursor += 1
                }
            }
        }
    }

    /// The bytes `text` stands for.
    public static func rawBytes(_ text: String) -> [UInt8] {
        guard Self.mayHoldEscapes(text) else { return Array(text.utf8) }
        let count = Self.rawByteCount(text)
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var cursor = buffer.baseAddress!
            Self.writeRaw(text, to: &cursor)
            initialized = count
        }
    }

    private static func isEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= Self.base + 0x80 && scalar.value <= Self.base + 0xFF
    }
}
