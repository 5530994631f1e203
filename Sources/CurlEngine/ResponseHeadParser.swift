/// Assembles the backend's final response head from the raw lines curl's header callback
/// delivers (status line, header lines, blank line), skipping 1xx interim heads and trailers.
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

    init(maxHeaderBytes: Int) {
        self.maxHeaderBytes = maxHeaderBytes
        self.headers.reserveCapacity(16)  // grown line by line it was reallocated four times
    }

    /// Feeds one line as curl delivers it, including its CRLF.
    mutating func feed(_ line: UnsafeRawBufferPointer) -> Outcome {
        if self.finished { return .needMore }  // trailers after the body: not forwarded
        self.headerBytes += line.count
        if self.headerBytes > self.maxHeaderBytes { return .tooLarge }
        var end = line.count
        while end > 0, line[end - 1] == UInt8(ascii: "\n") || line[end - 1] == UInt8(ascii: "\r") {
            end -= 1
        }
        guard let status = self.status else {
            return self.parseStatusLine(UnsafeRawBufferPointer(rebasing: line[0..<end]))
        }
        if end == 0 {
            if status < 200 {  // interim response (100 Continue, 103 Early Hints): wait for the real one
                self.reset()
                return .needMore
            }
            self.finished = true
            return .complete(UpstreamResponseHead(status: status, reason: self.reason, headers: self.headers))
        }
        // Bytes, not String operations: this runs for every header line of every response.
        if line[0] == UInt8(ascii: " ") || line[0] == UInt8(ascii: "\t") {
            return .malformed("obsolete header line folding")
        }
        guard let colon = line[0..<end].firstIndex(of: UInt8(ascii: ":")), colon != 0 else {
            return .malformed("header line without a name")
        }
        var valueStart = colon + 1
        var valueEnd = end
        while valueStart < valueEnd, line[valueStart] == UInt8(ascii: " ") || line[valueStart] == UInt8(ascii: "\t") {
            valueStart += 1
        }
        while valueEnd > valueStart, line[valueEnd - 1] == UInt8(ascii: " ") || line[valueEnd - 1] == UInt8(ascii: "\t") {
            valueEnd -= 1
        }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<colon]), as: UTF8.self)
        let value = String(decoding: UnsafeRawBufferPointer(rebasing: line[valueStart..<valueEnd]), as: UTF8.self)
        self.headers.append((name, value))
        return .needMore
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
        self.status = code
        self.reason = codeEnd < line.count
            ? String(decoding: UnsafeRawBufferPointer(rebasing: line[(codeEnd + 1)...]), as: UTF8.self) : ""
        return .needMore
    }

    private mutating func reset() {
        self.status = nil
        self.reason = ""
        self.headers.removeAll(keepingCapacity: true)
    }
}
