import CORSPolicy
import GatewayPolicy
import NIOCore
import NIOHTTP1

/// A response the gateway writes itself: SPEC §7 errors (JSON bodies) and preflight answers.
struct LocalAnswer {
    var status: Int
    /// Without Content-Length and Connection, which the writer adds.
    var headers: [(name: String, value: String)]
    var body: ByteBuffer?

    static func error(_ error: GatewayError, requestId: String) -> LocalAnswer {
        LocalAnswer(
            status: error.status,
            headers: [("Content-Type", "application/json"), (RequestID.headerName, requestId)],
            body: ByteBuffer(string: error.jsonBody(requestId: requestId))
        )
    }

    /// The header lines on the wire: `headers`, then the framing the writer owns.
    func wireLines(close: Bool) -> HeaderLines {
        var lines = self.headers
        lines.reserveCapacity(lines.count + 2)
        lines.append(("Content-Length", String(self.body?.readableBytes ?? 0)))
        if close { lines.append(("Connection", "close")) }
        return lines
    }

    /// The whole response as bytes, closing the connection, for a request that never parsed.
    func serialized() -> ByteBuffer {
        var buffer = ByteBuffer()
        ResponseWire.writeHead(status: self.status, version: .http1_1, lines: self.wireLines(close: true), requestMethod: nil, into: &buffer)
        if var body = self.body { buffer.writeBuffer(&body) }
        return buffer
    }
}

