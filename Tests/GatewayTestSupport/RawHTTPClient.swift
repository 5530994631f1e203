import Glibc

/// A blocking HTTP/1.1 client on a plain POSIX socket, for assertions about the exact bytes a
/// server sends and for clients that misbehave on purpose (never read, pipeline, hang up).
///
/// It sends exactly what it is given and parses responses strictly, keeping header order,
/// duplicates and spelling. Every call that waits has a timeout and throws a
/// ``RawHTTPClientError`` saying what it was waiting for. Bytes that arrive beyond one response
/// are kept for the next ``readResponse(forHEAD:timeout:)``, so pipelining works.
///
/// Calls block the calling thread; in an async test that is one of the cooperative pool's
/// threads, for at most the timeout. Not thread-safe: use one client from one task.
public final class RawHTTPClient {
    public let host: String
    public let port: Int
    private let socket: DeadlineSocket
    /// Received and not yet consumed by a response.
    private var inbound: [UInt8] = []
    private var end: RawConnectionEnd?

    private init(host: String, port: Int, socket: DeadlineSocket) {
        self.host = host
        self.port = port
        self.socket = socket
    }

    public static func connect(port: Int, host: String = "127.0.0.1", timeout: Duration = .seconds(5)) throws
        -> RawHTTPClient
    {
        let socket = try DeadlineSocket.connect(host: host, port: port, deadline: .now + timeout)
        return RawHTTPClient(host: host, port: port, socket: socket)
    }

    /// One request on a fresh connection; the response is read, then the connection closed.
    public static func request(
        port: Int, method: String = "GET", path: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        timeout: Duration = .seconds(10)
    ) throws -> RawResponse {
        let client = try RawHTTPClient.connect(port: port, timeout: timeout)
        defer { client.close() }
        try client.sendRequest(method: method, path: path, headers: headers, body: body, timeout: timeout)
        return try client.readResponse(forHEAD: method == "HEAD", timeout: timeout)
    }

    // MARK: Sending

    /// Sends every byte; throws ``RawHTTPClientError/sendTimedOut(sent:total:)`` if the peer
    /// stops taking them.
    public func send(_ bytes: [UInt8], timeout: Duration = .seconds(10)) throws {
        try bytes.withUnsafeBytes { try self.socket.send($0, deadline: .now + timeout) }
    }

    public func send(_ text: String, timeout: Duration = .seconds(10)) throws {
        try self.send(Array(text.utf8), timeout: timeout)
    }

    /// Sends a request built by ``requestBytes(method:path:host:headers:body:)`` with this
    /// connection's `Host`.
    public func sendRequest(
        method: String = "GET", path: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        timeout: Duration = .seconds(10)
    ) throws {
        let bytes = Self.requestBytes(
            method: method, path: path, host: "\(self.host):\(self.port)", headers: headers, body: body)
        try self.send(bytes, timeout: timeout)
    }

    /// A request in wire form: `headers` in the order given, preceded by `Host` unless they
    /// contain one, followed by `Content-Length` when there is a body and they frame it with
    /// neither `Content-Length` nor `Transfer-Encoding` (a chunked body must come pre-framed).
    public static func requestBytes(
        method: String, path: String, host: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) -> [UInt8] {
        let names = Set(headers.map { $0.0.lowercased() })
        var lines = ["\(method) \(path) HTTP/1.1"]
        if !names.contains("host") {
            lines.append("Host: \(host)")
        }
        lines += headers.map { "\($0.0): \($0.1)" }
        if let body, !names.contains("content-length"), !names.contains("transfer-encoding") {
            lines.append("Content-Length: \(body.count)")
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + (body ?? [])
    }

    // MARK: Receiving

    /// Reads the next response. A 1xx interim response is returned on its own; call again for
    /// the final one. A body cut short by the peer is returned with `bodyComplete == false`;
    /// a connection that ends before a full head throws
    /// ``RawHTTPClientError/closedBeforeResponseHead(received:)``.
    public func readResponse(forHEAD: Bool = false, timeout: Duration = .seconds(10)) throws -> RawResponse {
        let deadline = ContinuousClock.now + timeout
        var parser = try self.readHead(deadline: deadline, timeout: timeout)
        var response = parser.response
        response.framing = Self.framing(of: response, forHEAD: forHEAD)

        switch response.framing {
        case .none:
            response.bodyComplete = true
        case .contentLength(let length):
            while self.inbound.count - parser.cursor < length && self.end == nil {
                try self.fill(deadline: deadline) {
                    "reading a \(length)-byte body: \(self.inbound.count - parser.cursor) bytes arrived in \(timeout)"
                }
            }
            let available = min(length, self.inbound.count - parser.cursor)
            response.body = Array(self.inbound[parser.cursor..<(parser.cursor + available)])
            response.bodyComplete = available == length
            parser.cursor += available
        case .untilClose:
            while self.end == nil {
                try self.fill(deadline: deadline) {
                    "reading a body delimited by close: \(self.inbound.count - parser.cursor) bytes arrived in \(timeout) and the connection is still open"
                }
            }
            response.body = Array(self.inbound[parser.cursor...])
            response.bodyComplete = self.end == .closed
            parser.cursor = self.inbound.count
        case .chunked:
            try self.readChunkedBody(into: &response, cursor: &parser.cursor, deadline: deadline, timeout: timeout)
        }

        self.inbound.removeFirst(parser.cursor)
        response.connectionEnd = self.end
        return response
    }

    /// True if the peer closes or resets the connection within `within` (or already had).
    /// Bytes that arrive meanwhile are kept for ``readResponse(forHEAD:timeout:)``.
    public func isClosedByPeer(within: Duration) throws -> Bool {
        let deadline = ContinuousClock.now + within
        while self.end == nil {
            switch try self.socket.receive(deadline: deadline) {
            case .bytes(let bytes): self.inbound += bytes
            case .ended(let end): self.end = end
            case .timedOut: return false
            }
        }
        return true
    }

    // MARK: Socket control

    /// Shrinks SO_RCVBUF so that a client which stops reading stalls its peer after few bytes.
    public func setReceiveBuffer(_ bytes: Int) throws {
        try self.socket.setOption(SO_RCVBUF, Int32(clamping: bytes))
    }

    /// Shrinks SO_SNDBUF so that a send to a peer that stops reading fails sooner.
    public func setSendBuffer(_ bytes: Int) throws {
        try self.socket.setOption(SO_SNDBUF, Int32(clamping: bytes))
    }

    public func close() {
        self.socket.close()
    }

    // MARK: Parsing

    private struct Parser {
        var response: RawResponse
        /// Index in `inbound` of the first byte not yet consumed.
        var cursor: Int
    }

    private func readHead(deadline: ContinuousClock.Instant, timeout: Duration) throws -> Parser {
        var searchFrom = 0
        while true {
            if let headEnd = Self.find(crlfcrlf, in: self.inbound, from: searchFrom) {
                let rawHead = Array(self.inbound[..<(headEnd + 4)])
                return Parser(response: try Self.parseHead(rawHead), cursor: headEnd + 4)
            }
            searchFrom = max(0, self.inbound.count - 3)
            if self.end != nil {
                throw RawHTTPClientError.closedBeforeResponseHead(received: self.inbound)
            }
            try self.fill(deadline: deadline) {
                "waiting \(timeout) for a response head; received \(self.inbound.count) bytes: \(preview(self.inbound))"
            }
        }
    }

    private static func parseHead(_ rawHead: [UInt8]) throws -> RawResponse {
        let lines = String(decoding: rawHead.dropLast(4), as: UTF8.self)
            .split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = lines[0].split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/"), statusParts[1].count == 3,
            let status = Int(statusParts[1])
        else {
            throw RawHTTPClientError.malformedResponse("bad status line \(preview(Array(lines[0].utf8)))")
        }
        return RawResponse(
            rawHead: rawHead, version: String(statusParts[0]), status: status,
            reason: statusParts.count > 2 ? String(statusParts[2]) : "",
            headers: try lines.dropFirst().map(parseField), framing: .none, body: [], trailers: [],
            bodyComplete: false, connectionEnd: nil)
    }

    private static func parseField(_ line: some StringProtocol) throws -> (String, String) {
        guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
            throw RawHTTPClientError.malformedResponse("bad header line \(preview(Array(line.utf8)))")
        }
        return (String(line[..<colon]), trimmingBlanks(line[line.index(after: colon)...]))
    }

    private static func framing(of response: RawResponse, forHEAD: Bool) -> RawResponse.Framing {
        if forHEAD || (100..<200).contains(response.status) || response.status == 204 || response.status == 304 {
            return .none
        }
        let codings = response.values(of: "transfer-encoding").flatMap { $0.split(separator: ",") }
        if let last = codings.last, trimmingBlanks(last).lowercased() == "chunked" {
            return .chunked
        }
        if let length = response.header("content-length").flatMap({ Int($0) }) {
            return .contentLength(length)
        }
        return .untilClose
    }

    private func readChunkedBody(
        into response: inout RawResponse, cursor: inout Int, deadline: ContinuousClock.Instant, timeout: Duration
    ) throws {
        let progress = { (body: Int) in
            "reading a chunked body: \(body) bytes arrived in \(timeout) and no last chunk yet (\(self.end.map { "\($0)" } ?? "connection open"))"
        }
        while true {
            let bodyCount = response.body.count
            guard let sizeLine = try self.readLine(cursor: &cursor, deadline: deadline, waitingFor: { progress(bodyCount) })
            else {
                return
            }
            let sizeText = sizeLine.split(separator: ";", maxSplits: 1).first ?? ""
            guard let size = Int(trimmingBlanks(sizeText), radix: 16), size >= 0 else {
                throw RawHTTPClientError.malformedResponse("bad chunk size line \(preview(Array(sizeLine.utf8)))")
            }
            if size == 0 {
                while let trailer = try self.readLine(cursor: &cursor, deadline: deadline, waitingFor: { progress(bodyCount) }) {
                    if trailer.isEmpty {
                        response.bodyComplete = true
                        return
                    }
                    response.trailers.append(try Self.parseField(trailer))
                }
                return
            }
            while self.inbound.count - cursor < size + 2 && self.end == nil {
                try self.fill(deadline: deadline) { progress(bodyCount) }
            }
            let available = min(size, self.inbound.count - cursor)
            response.body += self.inbound[cursor..<(cursor + available)]
            cursor += available
            guard available == size, self.inbound.count - cursor >= 2 else { return }
            guard self.inbound[cursor] == 13 && self.inbound[cursor + 1] == 10 else {
                throw RawHTTPClientError.malformedResponse("chunk of \(size) bytes not followed by CRLF")
            }
            cursor += 2
        }
    }

    /// The next CRLF-terminated line, or nil if the peer ended the connection first.
    private func readLine(cursor: inout Int, deadline: ContinuousClock.Instant, waitingFor: () -> String)
        throws -> String?
    {
        while true {
            if let lineEnd = Self.find(crlf, in: self.inbound, from: cursor) {
                let line = String(decoding: self.inbound[cursor..<lineEnd], as: UTF8.self)
                cursor = lineEnd + 2
                return line
            }
            if self.end != nil { return nil }
            try self.fill(deadline: deadline, waitingFor: waitingFor)
        }
    }

    /// Receives once into `inbound`, or records the end of the connection.
    private func fill(deadline: ContinuousClock.Instant, waitingFor: () -> String) throws {
        switch try self.socket.receive(deadline: deadline) {
        case .bytes(let bytes): self.inbound += bytes
        case .ended(let end): self.end = end
        case .timedOut: throw RawHTTPClientError.timedOut(waitingFor())
        }
    }

    private static func find(_ pattern: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= pattern.count, start <= bytes.count - pattern.count else { return nil }
        return (start...(bytes.count - pattern.count)).first { index in
            pattern.indices.allSatisfy { bytes[index + $0] == pattern[$0] }
        }
    }
}

/// `text` without leading and trailing spaces and tabs (HTTP's optional whitespace).
private func trimmingBlanks(_ text: some StringProtocol) -> String {
    let isBlank = { (character: Character) in character == " " || character == "\t" }
    guard let first = text.firstIndex(where: { !isBlank($0) }), let last = text.lastIndex(where: { !isBlank($0) }) else {
        return ""
    }
    return String(text[first...last])
}

private let crlf: [UInt8] = [13, 10]
private let crlfcrlf: [UInt8] = [13, 10, 13, 10]
