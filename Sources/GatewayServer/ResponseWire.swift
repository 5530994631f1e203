import CORSPolicy
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
        /// None at all: the answer to HEAD or CONNECT (RFC 9110 §9.3.2, §9.3.6).
        case suppressed
    }

    /// Writes a status line and header lines; returns how the body that follows is framed.
    /// `requestMethod` is nil when there was no parsable request.
    @discardableResult
    static func writeHead(
        status: Int, reason: String = "", version: HTTPVersion, lines: HeaderLines, requestMethod: HTTPMethod?,
        into buffer: inout ByteBuffer
    ) -> BodyFraming {
        buffer.writeStaticString("HTTP/")
        buffer.writeString(String(version.major))
        buffer.writeStaticString(".")
        buffer.writeString(String(version.minor))
        buffer.writeStaticString(" ")
        let status = HTTPResponseStatus(statusCode: status, reasonPhrase: reason)
        buffer.writeString(String(status.code))
        buffer.writeStaticString(" ")
        buffer.writeString(status.reasonPhrase)
        buffer.writeStaticString("\r\n")
        var transferEncoding: String?
        for (name, value) in lines {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
            if transferEncoding == nil, name.utf8.count == 17, name.lowercased() == "transfer-encoding" {
                transferEncoding = value
            }
        }
        buffer.writeStaticString("\r\n")
        if requestMethod == .HEAD || requestMethod == .CONNECT { return .suppressed }
        let chunked = version.major == 1 && version.minor >= 1 && transferEncoding == "chunked"
        return chunked ? .chunked : .identity
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
