import CORSPolicy
import GatewayPolicy
import NIOCore
import NIOHTTP1

/// The bytes of the responses the gateway writes (RFC 9112 §4, §6, §7.1), byte for byte what
/// NIO's `HTTPResponseEncoder` wrote with automatic framing off. The handler writes them itself:
/// a local answer leaves as one buffer in one pipeline write instead of three typed parts
/// through the encoder (about 10% of a preflight answered at the edge).
enum ResponseWire {
    /// How the body after a head goes on the wire.
    enum BodyFraming: Equatable {
        /// Bytes as they are: Content-Length framed, or delimited by the connection's close.
        case identity
        /// Each piece as a chunk, then the last chunk.
        case chunked
        /// None at all: the answer to HEAD, or a 2xx to CONNECT (RFC 9110 §9.3.2, §9.3.6).
        case suppressed
    }

    /// The lines a local answer ends its head with, in this order: `X-Request-Id` (when
    /// given), `Content-Length`, and `Connection: close` when the connection ends after it.
    struct ClosingLines {
        var requestId: String?
        var contentLength: Int
        var close: Bool
    }

    /// Writes a status line and header lines (`lines`, then `closing`'s); returns how the body
    /// that follows is framed. `requestMethod` is nil when there was no parsable request.
    @discardableResult
    static func writeHead(
        status: Int, reason: String = "", version: HTTPVersion, lines: HeaderLines, closing: ClosingLines? = nil,
        requestMethod: HTTPMethod?, into buffer: inout ByteBuffer
    ) -> BodyFraming {
        let transferEncoding = Self.writeStatusAndLines(status: status, reason: reason, version: version, lines: lines, into: &buffer)
        Self.writeEnd(closing: closing, into: &buffer)
        return Self.framing(status: status, transferEncoding: transferEncoding, version: version, requestMethod: requestMethod)
    }

    /// How the body after a head whose (first) Transfer-Encoding is `transferEncoding` goes on the wire.
    /// Only a 2xx to CONNECT turns the connection into a tunnel; a refusal frames its body as usual.
    static func framing(status: Int, transferEncoding: String?, version: HTTPVersion, requestMethod: HTTPMethod?) -> BodyFraming {
        if requestMethod == .HEAD || (requestMethod == .CONNECT && (200..<300).contains(status)) { return .suppressed }
        let chunked = version.major == 1 && version.minor >= 1 && transferEncoding == "chunked"
        return chunked ? .chunked : .identity
    }

    /// The start of a head: the status line and `lines`. Returns the first Transfer-Encoding
    /// value among them. `writeEnd` completes the head.
    static func writeStatusAndLines(
        status: Int, reason: String = "", version: HTTPVersion, lines: HeaderLines, into buffer: inout ByteBuffer
    ) -> String? {
        let status = HTTPResponseStatus(statusCode: status, reasonPhrase: reason)
        let reasonPhrase = status.reasonPhrase
        // "HTTP/1.1 204 No Content\r\n", spelled straight into the buffer: as one interpolated
        // String it cost two allocations per response.
        let versionText = Self.versionText(version)
        var size = versionText.utf8.count + 4 + reasonPhrase.utf8.count + 2
        var transferEncoding: String?
        for (name, value) in lines {
            size += name.utf8.count + value.utf8.count + 4
            if transferEncoding == nil, nameEquals(name, "transfer-encoding") {
                transferEncoding = value
            }
        }
        // One capacity check and one copy per string: a ByteBuffer write per piece cost 6% of
        // a preflight answered at the edge.
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { destination in
            var cursor = copy(versionText, to: destination, at: 0)
            cursor = Self.writeStatusCode(Int(status.code), to: destination, at: cursor)
            cursor = copy(reasonPhrase, to: destination, at: cursor)
            cursor = copy("\r\n", to: destination, at: cursor)
            for (name, value) in lines {
                cursor = copy(name, to: destination, at: cursor)
                cursor = copy(": ", to: destination, at: cursor)
                cursor = copyFieldValue(value, to: destination, at: cursor)
                cursor = copy("\r\n", to: destination, at: cursor)
            }
            return cursor
        }
        return transferEncoding
    }

    /// The end of a head: `closing`'s lines, if any, and the empty line.
    static func writeEnd(closing: ClosingLines?, into buffer: inout ByteBuffer) {
        var size = 2
        if let closing {
            if let requestId = closing.requestId { size += RequestID.headerName.utf8.count + requestId.utf8.count + 4 }
            size += "Content-Length: \r\n".utf8.count + Self.decimalDigits(closing.contentLength)
            if closing.close { size += "Connection: close\r\n".utf8.count }
        }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { destination in
            var cursor = 0
            if let closing {
                if let requestId = closing.requestId {
                    cursor = copy(RequestID.headerName, to: destination, at: cursor)
                    cursor = copy(": ", to: destination, at: cursor)
                    cursor = copy(requestId, to: destination, at: cursor)
                    cursor = copy("\r\n", to: destination, at: cursor)
                }
                cursor = copy("Content-Length: ", to: destination, at: cursor)
                cursor = Self.writeDecimal(closing.contentLength, to: destination, at: cursor)
                cursor = copy("\r\n", to: destination, at: cursor)
                if closing.close { cursor = copy("Connection: close\r\n", to: destination, at: cursor) }
            }
            return copy("\r\n", to: destination, at: cursor)
        }
    }

    /// "HTTP/1.1 " for the versions clients speak; other versions spelled out.
    private static func versionText(_ version: HTTPVersion) -> String {
        switch (version.major, version.minor) {
        case (1, 1): "HTTP/1.1 "
        case (1, 0): "HTTP/1.0 "
        default: "HTTP/\(version.major).\(version.minor) "
        }
    }

    /// Three digits and a space (status codes are 100–999: the decoders reject others).
    private static func writeStatusCode(_ code: Int, to destination: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        destination[offset] = UInt8(ascii: "0") + UInt8(code / 100 % 10)
        destination[offset + 1] = UInt8(ascii: "0") + UInt8(code / 10 % 10)
        destination[offset + 2] = UInt8(ascii: "0") + UInt8(code % 10)
        destination[offset + 3] = UInt8(ascii: " ")
        return offset + 4
    }

    /// How many digits `value` (≥ 0) has in decimal.
    private static func decimalDigits(_ value: Int) -> Int {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        return digits
    }

    /// `value` (≥ 0) in decimal, written in place: a `String` per Content-Length was 0.7% of a
    /// preflight answered in the fast lane.
    private static func writeDecimal(_ value: Int, to destination: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        let end = offset + Self.decimalDigits(value)
        var rest = value
        var cursor = end
        repeat {
            cursor -= 1
            destination[cursor] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        } while rest > 0
        return end
    }

    /// Copies `text`'s UTF-8 bytes to `destination` at `offset`; returns the offset after them.
    private static func copy(_ text: String, to destination: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        var text = text
        return text.withUTF8 { bytes in
            UnsafeMutableRawBufferPointer(rebasing: destination[offset...]).copyMemory(from: UnsafeRawBufferPointer(bytes))
            return offset + bytes.count
        }
    }

    /// Copies a header value: ASCII as it is; otherwise one byte per code point when every
    /// code point fits one (RFC 9110 §5.5: obs-text is ISO-8859-1, and a backend's value comes
    /// from `ResponseHeadParser` decoded that way, so its bytes go out unchanged), else UTF-8.
    private static func copyFieldValue(_ text: String, to destination: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        var text = text
        let isASCII = text.withUTF8 { bytes in bytes.reduce(0, |) < 0x80 }  // no early exit: it vectorises
        guard !isASCII, text.unicodeScalars.allSatisfy({ $0.value <= 0xFF }) else {
            return copy(text, to: destination, at: offset)
        }
        var cursor = offset
        for scalar in text.unicodeScalars {
            destination[cursor] = UInt8(scalar.value)
            cursor += 1
        }
        return cursor
    }

    /// The size line that goes before a chunk's bytes.
    static func chunkPrefix(count: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 16)
        buffer.writeString(String(count, radix: 16))
        buffer.writeStaticString("\r\n")
        return buffer
    }

    static let chunkSuffix = ByteBuffer(staticString: "\r\n")
    static let lastChunk = ByteBuffer(staticString: "0\r\n\r\n")
}
