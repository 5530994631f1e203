import GatewayPolicy
import NIOCore
import NIOHTTP1

/// A response the gateway writes itself: SPEC §7 errors (JSON bodies) and preflight answers.
struct LocalAnswer {
    var status: Int
    /// Without Content-Length and Connection, which the writer adds.
    var headers: [(name: String, value: String)]
    var body: ByteBuffer?
    /// An `X-Request-Id` line to write after `headers` (a preflight answer's), kept apart so a
    /// cached decision's lines are written as they are instead of copied to append one.
    var requestId: String?

    static func error(_ error: GatewayError, requestId: String) -> LocalAnswer {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json"), (RequestID.headerName, requestId)]
        if let seconds = error.retryAfterSeconds { headers.append(("Retry-After", String(seconds))) }
        return LocalAnswer(status: error.status, headers: headers, body: ByteBuffer(string: error.jsonBody(requestId: requestId)))
    }

    /// What the writer adds after `headers`: the request id, Content-Length and Connection.
    func closingLines(close: Bool) -> ResponseWire.ClosingLines {
        ResponseWire.ClosingLines(requestId: self.requestId, contentLength: self.body?.readableBytes ?? 0, close: close)
    }

    /// The whole response as bytes, closing the connection, for a request that never parsed.
    func serialized() -> ByteBuffer {
        var buffer = ByteBuffer()
        ResponseWire.writeHead(
            status: self.status, version: .http1_1, lines: self.headers, closing: self.closingLines(close: true),
            requestMethod: nil, into: &buffer)
        if var body = self.body { buffer.writeBuffer(&body) }
        return buffer
    }
}

