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

    func head(version: HTTPVersion, close: Bool) -> HTTPResponseHead {
        var headers = HTTPHeaders(unlabelled: self.headers)
        headers.add(name: "Content-Length", value: String(self.body?.readableBytes ?? 0))
        if close { headers.add(name: "Connection", value: "close") }
        return HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: self.status), headers: headers)
    }

    /// The whole response as bytes, for handlers that sit below the HTTP encoder.
    func serialized() -> ByteBuffer {
        let status = HTTPResponseStatus(statusCode: self.status)
        var text = "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n"
        for (name, value) in self.headers { text += "\(name): \(value)\r\n" }
        text += "Content-Length: \(self.body?.readableBytes ?? 0)\r\nConnection: close\r\n\r\n"
        var buffer = ByteBuffer(string: text)
        if var body = self.body { buffer.writeBuffer(&body) }
        return buffer
    }
}

extension HTTPHeaders {
    /// NIO takes unlabelled pairs: passing `HeaderLines` as they are makes Swift cast the array
    /// element by element through the runtime (1.4% of a preflight); copying them is a plain loop.
    init(unlabelled lines: HeaderLines) {
        self.init(lines.map { ($0.name, $0.value) })
    }
}
