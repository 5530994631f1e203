/// Assembles the backend's final response head from the raw lines curl's header callback
/// delivers (status line, header lines, blank line), skipping 100 and 103 interim heads and
/// trailers, and refusing what RFC 9110/9112 make invalid, so nothing can be smuggled past the
/// gateway's header filters by its spelling.
///
/// Header values are decoded as ISO-8859-1: each byte becomes the code point of the same
/// number, so obs-text (0x80–0xFF) survives byte for byte; writing a value back means writing
/// each code point as one byte.
struct ResponseHeadParser {
    enum Outcome: Equatable {
        case needMore
        case complete(UpstreamResponseHead)
        case tooLarge
        case malformed(String)
    }

    private let maxHeaderBytes: Int
    private var headerBytes = 0
    private var status: Int?
    private var reason = ""
    private var headers: [(name: String, value: String)] = []
    private(set) var finished = false
    /// The body length the final head announces (Content-Length, or 0 for 204 and 304); nil
    /// when the body is chunked or runs until the connection closes.
    private(set) var announcedBodyLength: Int?
    /// The final head frames its body in chunks.
    private(set) var bodyIsChunked = false

    init(maxHeaderBytes: Int) {
        self.maxHeaderBytes = maxHeaderBytes
        self.headers.reserveCapacity(16)  // grown line by line it was reallocated four times
    }

    /// Feeds one line as curl delivers it, including its line ending.
    mutating func feed(_ line: UnsafeRawBufferPointer) -> Outcome {
        if self.finished { return .needMore }  // trailers after the body: not forwarded
        self.headerBytes += line.count
        if self.headerBytes > self.maxHeaderBytes { return .tooLarge }
        // Exactly one LF, and at most one CR before it: any other CR is a bare CR.
        var end = line.count
        if end > 0, line[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        if end > 0, line[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        guard let status = self.status else {
            return self.parseStatusLine(UnsafeRawBufferPointer(rebasing: line[0..<end]))
        }
        if end == 0 {
            if status < 200 {  // 100 Continue, 103 Early Hints: wait for the real one
                self.reset()
                return .needMore
            }
            return self.complete(status: status)
        }
        // Bytes, not String operations: this runs for every header line of every response.
        if line[0] == UInt8(ascii: " ") || line[0] == UInt8(ascii: "\t") {
            return .malformed("obsolete header line folding")
        }
        guard let colon = line[0..<end].firstIndex(of: UInt8(ascii: ":")), colon != 0 else {
            return .malformed("header line without a name")
        }
        for byte in line[0..<colon] where !Self.isTokenByte(byte) {
            return .malformed("header name is not a token")
        }
        var valueStart = colon + 1
        var valueEnd = end
        while valueStart < valueEnd, line[valueStart] == UInt8(ascii: " ") || line[valueStart] == UInt8(ascii: "\t") {
            valueStart += 1
        }
        while valueEnd > valueStart, line[valueEnd - 1] == UInt8(ascii: " ") || line[valueEnd - 1] == UInt8(ascii: "\t") {
            valueEnd -= 1
        }
        var isASCII = true
        for byte in line[valueStart..<valueEnd] {
            if byte < 0x20 && byte != UInt8(ascii: "\t") || byte == 0x7F {
                return .malformed("control byte in a header value")
            }
            if byte >= 0x80 { isASCII = false }
        }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<colon]), as: UTF8.self)
        let valueBytes = UnsafeRawBufferPointer(rebasing: line[valueStart..<valueEnd])
        let value = isASCII ? String(decoding: valueBytes, as: UTF8.self) : Self.latin1(valueBytes)
        self.headers.append((name, value))
        return .needMore
    }

    /// The blank line after a final status: settles the body framing (RFC 9112 §6.3) and hands
    /// the head over.
    private mutating func complete(status: Int) -> Outcome {
        var chunked = false
        var lastTransferCoding: Substring = ""
        var contentLengthLines = 0
        for (name, value) in self.headers {
            if Self.equalsIgnoringCase(name, "transfer-encoding") {
                chunked = true
                if let last = value.split(separator: ",").last { lastTransferCoding = last }
            }
            if Self.equalsIgnoringCase(name, "content-length") { contentLengthLines += 1 }
        }
        // curl decodes chunks only when chunked is the final coding (RFC 9112 §6.3).
        let finalCoding = lastTransferCoding.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }
        self.bodyIsChunked = status != 204 && status != 304 && Self.equalsIgnoringCase(String(finalCoding.reversed()), "chunked")
        var contentLength: Int?
        if chunked {
            // Transfer-Encoding overrides Content-Length, which must not reach the client.
            if contentLengthLines > 0 { self.headers.removeAll { Self.equalsIgnoringCase($0.name, "content-length") } }
        } else if contentLengthLines > 0 {
            for (name, value) in self.headers where Self.equalsIgnoringCase(name, "content-length") {
                guard let length = Self.decimal(value) else { return .malformed("invalid Content-Length") }
                if let seen = contentLength, seen != length { return .malformed("conflicting Content-Length values") }
                contentLength = length
            }
            if contentLengthLines > 1 {
                var kept = false
                self.headers.removeAll { line in
                    guard Self.equalsIgnoringCase(line.name, "content-length") else { return false }
                    defer { kept = true }
                    return kept  // equal repeats collapse into the first
                }
            }
        }
        self.announcedBodyLength = status == 204 || status == 304 ? 0 : contentLength
        self.finished = true
        return .complete(UpstreamResponseHead(status: status, reason: self.reason, headers: self.headers))
    }

    /// "HTTP/1.1 200 OK", "HTTP/1.0 404", "HTTP/2 200": the protocol, one space, three digits,
    /// then nothing or a space and the reason. Read as bytes, once per response.
    private mutating func parseStatusLine(_ line: UnsafeRawBufferPointer) -> Outcome {
        let protocolName = "HTTP/".utf8
        guard line.starts(with: protocolName), let space = line.firstIndex(of: UInt8(ascii: " ")) else {
            return .malformed("invalid status line")
        }
        let codeStart = space + 1
        let codeEnd = codeStart + 3
        guard codeEnd <= line.count, codeEnd == line.count || line[codeEnd] == UInt8(ascii: " ") else {
            return .malformed("invalid status line")
        }
        var code = 0
        for digit in line[codeStart..<codeEnd] {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return .malformed("invalid status line") }
            code = code * 10 + Int(digit - UInt8(ascii: "0"))
        }
        guard code >= 100 else { return .malformed("invalid status line") }
        // 101 and other interim codes mean a protocol switch or something the gateway never
        // asked for; what follows them is not HTTP/1.1 the client may see.
        if code < 200, code != 100, code != 103 { return .malformed("unexpected 1xx") }
        self.status = code
        self.reason = codeEnd < line.count ? Self.latin1(UnsafeRawBufferPointer(rebasing: line[(codeEnd + 1)...])) : ""
        return .needMore
    }

    private mutating func reset() {
        self.status = nil
        self.reason = ""
        self.headers.removeAll(keepingCapacity: true)
    }

    /// RFC 9110 tchar: "!#$%&'*+-.^_`|~", digits and letters.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Each byte as the code point of the same number (ISO-8859-1).
    private static func latin1(_ bytes: UnsafeRawBufferPointer) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes { scalars.append(Unicode.Scalar(byte)) }
        return String(scalars)
    }

    private static func decimal(_ value: String) -> Int? {
        guard !value.isEmpty, value.utf8.count <= 18, value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(value)
    }

    private static func equalsIgnoringCase(_ name: String, _ lowercase: String) -> Bool {
        name.utf8.count == lowercase.utf8.count
            && zip(name.utf8, lowercase.utf8).allSatisfy { ($0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0) == $1 }
    }
}
