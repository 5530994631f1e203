import Glibc
import Testing

@testable import CurlEngine

/// `RawByteEscapes`: escaping then reading back gives the bytes that came in, for any bytes;
/// UTF-8 outside the escape range is left alone.
@Suite("Raw byte escapes")
struct RawByteEscapesTests {
    static func roundTrip(_ bytes: [UInt8]) -> [UInt8] {
        let escaped = bytes.withUnsafeBytes { RawByteEscapes.escaping($0) } ?? bytes
        return RawByteEscapes.rawBytes(String(decoding: escaped, as: UTF8.self))
    }

    @Test(arguments: [
        [UInt8](), Array("plain".utf8), Array("café".utf8), [0xF0, 0x9F, 0x98, 0x80],  // U+1F600
        [0xEF, 0xBF, 0xBD],  // a real U+FFFD
    ])
    func utf8OutsideTheRangeNeedsNoEscape(bytes: [UInt8]) {
        #expect(bytes.withUnsafeBytes { RawByteEscapes.escaping($0) } == nil)
        #expect(Self.roundTrip(bytes) == bytes)
    }

    @Test(arguments: [
        [0xE9], Array("caf".utf8) + [0xE9], [0xFF, 0xFE], [0xC3], [0xC3, 0x41], [0xE2, 0x82],  // truncated and lone
        [0xF4, 0x8F, 0xBE, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],  // U+10FF80 and U+10FFFF: the range itself
        [0xF4, 0x8F, 0xBC, 0x80],  // U+10FF00, just below the range
        [0xED, 0xA0, 0x80],  // a UTF-16 surrogate
        [0xC0, 0xAF],  // overlong "/"
    ] as [[UInt8]])
    func anyOtherBytesAreEscapedAndComeBack(bytes: [UInt8]) {
        #expect(Self.roundTrip(bytes) == bytes)
    }

    @Test func everyByteStringOfUpToThreeHighBytesComesBack() {
        let bytes: [UInt8] = [0x41, 0x80, 0xBF, 0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0x8F, 0xBE, 0xFF]
        for a in bytes { for b in bytes { for c in bytes { #expect(Self.roundTrip([a, b, c]) == [a, b, c]) } } }
    }

    @Test func aHeaderBlockWritesTheRawBytes() throws {
        let escaped = try #require([UInt8]([0x61, 0xE9]).withUnsafeBytes { RawByteEscapes.escaping($0) })
        let list = HeaderLineBlock.make(headers: [("X", String(decoding: escaped, as: UTF8.self))], then: [])
        defer { HeaderLineBlock.free(list) }
        let line = Array(UnsafeRawBufferPointer(start: list.pointee.data, count: strlen(list.pointee.data)))
        #expect(line == Array("X: a".utf8) + [0xE9])
    }
}
