import CORSPolicy
import GatewayPolicy
import NIOCore
import NIOHPACK
import NIOHTTP1

/// Requests and responses on an HTTP/2 stream (SPEC §12): the same heads and bodies `ResponseWire` writes
/// for HTTP/1.1, as the typed parts `HTTP2FramePayloadToHTTP1ServerCodec` turns into HEADERS
/// and DATA frames. Connection-specific lines (RFC 9113 §8.2.2) never go out on a stream: the
/// stream's own end frames the body.
enum HTTP2ResponseParts {
    /// RFC 9113 §8.2.2: these make an HTTP/2 message malformed.
    static func isConnectionSpecific(_ name: String) -> Bool {
        switch name.utf8.count {
        case 2: nameEquals(name, "te")
        case 7: nameEquals(name, "upgrade")
        case 10: nameEquals(name, "connection") || nameEquals(name, "keep-alive")
        case 16: nameEquals(name, "proxy-connection")
        case 17: nameEquals(name, "transfer-encoding")
        default: false
        }
    }

    static func head(status: Int, lines: HeaderLines, closing: ResponseWire.ClosingLines? = nil) -> HTTPServerResponsePart {
        var headers = HTTPHeaders()
        headers.reserveCapacity(lines.count + 2)
        for (name, value) in lines where !Self.isConnectionSpecific(name) {
            // HPACK header names are lowercase (RFC 9113 §8.2.1).
            headers.add(name: name.lowercased(), value: value)
        }
        if let closing {
            if let requestId = closing.requestId { headers.add(name: RequestID.headerName.lowercased(), value: requestId) }
            headers.add(name: "content-length", value: String(closing.contentLength))
        }
        return .head(HTTPResponseHead(version: .http2, status: HTTPResponseStatus(statusCode: status), headers: headers))
    }

    /// The header block `head(status:lines:)` becomes once `HTTP2FramePayloadToHTTP1ServerCodec`
    /// has turned it into a HEADERS frame, for writing such a frame directly (the HTTP/2
    /// preflight lane): `:status`, then the lines with lowercase names.
    static func fields(status: Int, lines: HeaderLines) -> HPACKHeaders {
        var fields = HPACKHeaders()
        fields.reserveCapacity(lines.count + 3)
        fields.add(name: ":status", value: String(status))
        for (name, value) in lines where !Self.isConnectionSpecific(name) {
            fields.add(name: name.lowercased(), value: value)
        }
        return fields
    }

    /// A request's `cookie` fields joined into one with "; " (RFC 9113 §8.2.3), where they were
    /// first; nothing changes when there is at most one.
    static func joiningCookies(_ headers: HTTPHeaders) -> HTTPHeaders {
        let cookies = headers.filter { nameEquals($0.name, "cookie") }
        guard cookies.count > 1 else { return headers }
        var joined = HTTPHeaders()
        var written = false
        for (name, value) in headers {
            guard nameEquals(name, "cookie") else {
                joined.add(name: name, value: value)
                continue
            }
            if !written { joined.add(name: "cookie", value: cookies.map(\.value).joined(separator: "; ")) }
            written = true
        }
        return joined
    }
}
