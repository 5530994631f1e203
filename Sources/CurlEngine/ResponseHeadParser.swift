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
            return self.parseStatusLine(String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<end]), as: UTF8.self))
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

    private mutating func parseStatusLine(_ text: String) -> Outcome {
        // "HTTP/1.1 200 OK", "HTTP/1.0 404", "HTTP/2 200"
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), parts[1].utf8.count == 3,
            let code = Int(parts[1]), (100...999).contains(code)
        else {
            return .malformed("invalid status line")
        }
        self.status = code
        self.reason = parts.count == 3 ? String(parts[2]) : ""
        return .needMore
    }

    private mutating func reset() {
        self.status = nil
        self.reason = ""
        self.headers.removeAll(keepingCapacity: true)
    }
}
