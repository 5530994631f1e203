import NIOCore
import NIOHTTP1
import Testing

@testable import GatewayServer

/// The response bytes the gateway writes itself: exactly what NIO's `HTTPResponseEncoder`
/// wrote (with automatic framing off), and the framing the body after the head gets.
@Suite("ResponseWire: status line, header lines, body framing")
struct ResponseWireTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var status: Int
        var reason = ""
        var version = HTTPVersion.http1_1
        var lines: [(name: String, value: String)] = []
        var method: HTTPMethod? = .GET
        var wire: String
        var framing: ResponseWire.BodyFraming
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "known status: NIO's reason phrase, the backend's ignored", status: 200, reason: "Fine",
             lines: [("Content-Length", "2")], wire: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", framing: .identity),
        Case(name: "custom status keeps its reason", status: 599, reason: "Custom Reason", wire: "HTTP/1.1 599 Custom Reason\r\n\r\n", framing: .identity),
        Case(name: "HTTP/1.0 status line", status: 204, version: .http1_0, wire: "HTTP/1.0 204 No Content\r\n\r\n", framing: .identity),
        Case(name: "lines in order, repeats kept, names as given", status: 200,
             lines: [("Set-Cookie", "a=1"), ("x-y", ""), ("Set-Cookie", "b=2")],
             wire: "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nx-y: \r\nSet-Cookie: b=2\r\n\r\n", framing: .identity),
        Case(name: "Transfer-Encoding: chunked on 1.1 frames chunks", status: 200,
             lines: [("transfer-encoding", "chunked")], wire: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n", framing: .chunked),
        Case(name: "only the first Transfer-Encoding line counts, exactly", status: 200,
             lines: [("Transfer-Encoding", "gzip"), ("Transfer-Encoding", "chunked")],
             wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", framing: .identity),
        Case(name: "no chunking for HTTP/1.0", status: 200, version: .http1_0, lines: [("Transfer-Encoding", "chunked")],
             wire: "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", framing: .identity),
        Case(name: "HEAD: the head as for GET, no body", status: 200, lines: [("Transfer-Encoding", "chunked")], method: .HEAD,
             wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", framing: .suppressed),
        Case(name: "CONNECT, 2xx: a tunnel, no body", status: 200, lines: [("Content-Length", "5")], method: .CONNECT,
             wire: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", framing: .suppressed),
        Case(name: "CONNECT refused: its body as usual", status: 405, lines: [("Content-Length", "5")], method: .CONNECT,
             wire: "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 5\r\n\r\n", framing: .identity),
        Case(name: "no request (parse error): a body", status: 400, lines: [("Content-Length", "5")], method: nil,
             wire: "HTTP/1.1 400 Bad Request\r\nContent-Length: 5\r\n\r\n", framing: .identity),
    ]

    /// Backend values come decoded as ISO-8859-1 (obs-text kept): each code point goes out as
    /// the one byte it came from; a value beyond U+00FF (the gateway's own) goes out as UTF-8.
    @Test func headerValuesGoOutByteForByte() {
        var buffer = ByteBuffer()
        ResponseWire.writeHead(
            status: 200, version: .http1_1, lines: [("X-Latin", "caf\u{E9}\u{FF}"), ("X-Wide", "\u{2713}")], requestMethod: .GET,
            into: &buffer)
        let bytes = Array(buffer.readableBytesView)
        let latin: [UInt8] = Array("X-Latin: caf".utf8) + [0xE9, 0xFF] + [13, 10]
        let wide: [UInt8] = Array("X-Wide: ".utf8) + [0xE2, 0x9C, 0x93] + [13, 10]
        #expect(bytes.firstRange(of: latin) != nil)
        #expect(bytes.firstRange(of: wide) != nil)
    }

    @Test(arguments: cases)
    func head(_ testCase: Case) {
        var buffer = ByteBuffer()
        let framing = ResponseWire.writeHead(
            status: testCase.status, reason: testCase.reason, version: testCase.version, lines: testCase.lines,
            requestMethod: testCase.method, into: &buffer)
        #expect(String(buffer: buffer) == testCase.wire)
        #expect(framing == testCase.framing)
    }

    @Test func closingLinesFollowTheHeaderLinesInOrder() {
        var buffer = ByteBuffer()
        let closing = ResponseWire.ClosingLines(requestId: "abc", contentLength: 0, close: true)
        ResponseWire.writeHead(
            status: 204, version: .http1_1, lines: [("Vary", "Origin")], closing: closing, requestMethod: .OPTIONS, into: &buffer)
        #expect(String(buffer: buffer) == "HTTP/1.1 204 No Content\r\nVary: Origin\r\nX-Request-Id: abc\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        buffer.clear()
        ResponseWire.writeHead(
            status: 404, version: .http1_0, lines: [("Content-Type", "application/json")],
            closing: .init(requestId: nil, contentLength: 1234, close: false), requestMethod: .GET, into: &buffer)
        #expect(String(buffer: buffer) == "HTTP/1.0 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 1234\r\n\r\n")
    }

    @Test(arguments: [0, 7, 9, 10, 99, 100, 1_048_576, Int(Int32.max)])
    func contentLengthIsWrittenInDecimal(length: Int) {
        var buffer = ByteBuffer()
        ResponseWire.writeEnd(closing: .init(requestId: nil, contentLength: length, close: false), into: &buffer)
        #expect(String(buffer: buffer) == "Content-Length: \(length)\r\n\r\n")
    }

    @Test(arguments: [(1, "1\r\n"), (15, "f\r\n"), (16_384, "4000\r\n"), (1_048_576, "100000\r\n")])
    func chunkPrefixIsHexSize(count: Int, prefix: String) {
        #expect(String(buffer: ResponseWire.chunkPrefix(count: count, allocator: ByteBufferAllocator())) == prefix)
        #expect(String(buffer: ResponseWire.chunkSuffix) == "\r\n")
        #expect(String(buffer: ResponseWire.lastChunk) == "0\r\n\r\n")
    }
}
