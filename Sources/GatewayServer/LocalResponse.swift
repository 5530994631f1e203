import GatewayPolicy
import NIOCore
import NIOHTTP1


/// Responses the gateway writes itself (SPEC §7): JSON error bodies with the request id.
enum LocalResponse {
    static func head(
        _ error: GatewayError,
        requestId: String,
        version: HTTPVersion,
        bodyLength: Int,
        close: Bool
    ) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(bodyLength))
        headers.add(name: RequestID.headerName, value: requestId)
        if close { headers.add(name: "Connection", value: "close") }
        return HTTPResponseHead(
            version: version,
            status: HTTPResponseStatus(statusCode: error.status),
            headers: headers
        )
    }

    static func body(_ error: GatewayError, requestId: String) -> ByteBuffer {
        ByteBuffer(string: error.jsonBody(requestId: requestId))
    }

    /// The whole response as bytes, for handlers that sit below the HTTP encoder.
    static func serialized(_ error: GatewayError, requestId: String) -> ByteBuffer {
        let body = error.jsonBody(requestId: requestId)
        let status = HTTPResponseStatus(statusCode: error.status)
        var text = "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n"
        text += "Content-Type: application/json\r\n"
        text += "Content-Length: \(body.utf8.count)\r\n"
        text += "\(RequestID.headerName): \(requestId)\r\n"
        text += "Connection: close\r\n\r\n"
        text += body
        return ByteBuffer(string: text)
    }
}
