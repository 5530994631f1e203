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
    private var contentLengthLines = 0
    private var firstContentLength: String?
    private var transferEncodingLines = 0
    /// The codings the Transfer-Encoding lines list together (empty list elements aside).
    private var transferCodings = 0
    private var lastCodingIsChunked = false
    private var isHTTP10 = false

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
        let nameBytes = UnsafeRawBufferPointer(rebasing: line[0..<colon])
        let name = String(decoding: nameBytes, as: UTF8.self)
        let valueBytes = UnsafeRawBufferPointer(rebasing: line[valueStart..<valueEnd])
        let value = isASCII ? String(decoding: valueBytes, as: UTF8.self) : Self.latin1(valueBytes)
        // The framing lines are noted here, from the bytes, so `complete` need not look for them.
        if Self.bytes(nameBytes, equalIgnoringCase: "content-length") {
            self.contentLengthLines += 1
            if self.contentLengthLines == 1 { self.firstContentLength = value }
        } else if Self.bytes(nameBytes, equalIgnoringCase: "transfer-encoding") {
            self.transferEncodingLines += 1
            for coding in value.split(separator: ",") {
                let trimmed = Self.trimmingWhitespace(coding)
                guard !trimmed.isEmpty else { continue }
                self.transferCodings += 1
                self.lastCodingIsChunked = Self.bytes(Array(trimmed.utf8), equalIgnoringCase: "chunked")
            }
        }
        self.headers.append((name, value))
        return .needMore
    }

    /// The blank line after a final status: settles the body framing (RFC 9112 §6.3) and hands
    /// the head over.
    private mutating func complete(status: Int) -> Outcome {
        var contentLength: Int?
        if self.transferEncodingLines > 0 {
            // chunked alone, on HTTP/1.1: the gateway decodes no other coding, so its bytes would
            // reach the client as plain content (or, with chunked not final, a body read until the
            // close would carry whatever the backend wrote after it), and HTTP/1.0 has no
            // transfer codings (RFC 9112 §6.1).
            guard self.transferCodings == 1, self.lastCodingIsChunked, !self.isHTTP10 else {
                return .malformed("transfer coding other than chunked")
            }
            self.bodyIsChunked = status != 204 && status != 304
            // Transfer-Encoding overrides Content-Length, which must not reach the client.
            if self.contentLengthLines > 0 { self.headers.removeAll { Self.isContentLength($0.name) } }
        } else if let first = self.firstContentLength {
            guard let length = Self.decimal(first) else { return .malformed("invalid Content-Length") }
            contentLength = length
            if self.contentLengthLines > 1 {
                var kept = false
                for line in self.headers where Self.isContentLength(line.name) {
                    guard Self.decimal(line.value) == length else { return .malformed("conflicting Content-Length values") }
                }
                self.headers.removeAll { line in
                    guard Self.isContentLength(line.name) else { return false }
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
        // RFC 9110 §15: codes outside 100–599 are invalid (a client takes them for a 5xx).
        guard code >= 100, code <= 599 else { return .malformed("invalid status line") }
        // 101 and other interim codes mean a protocol switch or something the gateway never
        // asked for; what follows them is not HTTP/1.1 the client may see.
        if code < 200, code != 100, code != 103 { return .malformed("unexpected 1xx") }
        self.status = code
        self.isHTTP10 = line.starts(with: "HTTP/1.0 ".utf8)
        self.reason = codeEnd < line.count ? Self.latin1(UnsafeRawBufferPointer(rebasing: line[(codeEnd + 1)...])) : ""
        return .needMore
    }

    private mutating func reset() {
        self.status = nil
        self.reason = ""
        self.headers.removeAll(keepingCapacity: true)
        self.contentLengthLines = 0
        self.firstContentLength = nil
        self.transferEncodingLines = 0
        self.transferCodings = 0
        self.lastCodingIsChunked = false
        self.isHTTP10 = false
    }

    /// RFC 9110 tchar: "!#$%&'*+-.^_`|~", digits and letters.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
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

    private static func isContentLength(_ name: String) -> Bool {
        name.utf8.count == 14 && Self.bytes(Array(name.utf8), equalIgnoringCase: "content-length")
    }

    /// Whether `bytes` spell `lowercase`, ignoring ASCII case.
    private static func bytes<Bytes: Collection<UInt8>>(_ bytes: Bytes, equalIgnoringCase lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        var expected = lowercase.utf8Start
        for byte in bytes {
            let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            guard folded == expected.pointee else { return false }
            expected += 1
        }
        return true
    }

    private static func trimmingWhitespace(_ text: Substring) -> Substring {
        var text = text
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
