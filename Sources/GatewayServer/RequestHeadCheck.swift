import CurlEngine
import GatewayConfig
import GatewayPolicy
import NIOHTTP1

/// Checks on a client's request head that come before routing (SPEC §3 limits, §7 errors).
enum RequestHeadCheck {
    /// 400 for a head the gateway cannot route: not exactly one Host in HTTP/1.1 (RFC 9112
    /// §3.2), a Host that is not `host[:port]` (SPEC §11), a target that is not origin-form
    /// (a fragment included: curl would drop it after routing saw it), or a body framed by a
    /// transfer coding other than chunked alone, or on HTTP/1.0, which has none (RFC 9112 §6.1):
    /// llhttp decodes the chunks of `gzip, chunked` and the backend would take the still coded
    /// bytes for plain content.
    static func malformation(_ head: HTTPRequestHead, _ scan: RequestHeadScan) -> GatewayError? {
        let hosts = scan.hostCount
        if hosts > 1 || (hosts == 0 && head.version != .http1_0) { return .badRequest }
        if let host = scan.host, !HostHeader.isValid(host) { return .badRequest }
        guard head.uri.utf8.first == UInt8(ascii: "/"), !head.uri.utf8.contains(UInt8(ascii: "#")) else { return .badRequest }
        if scan.hasTransferEncoding, head.version == .http1_0 || !scan.transferEncodingIsChunkedOnly { return .badRequest }
        return nil
    }

    /// The path routes match and the backend receives: `path` with its dot-segments resolved
    /// (SPEC §11); nil (400) for one that climbs above "/", holds a `\`, or an encoded slash
    /// the limits refuse. `path` is that of an origin-form target.
    static func routedPath(_ path: String, limits: Limits) -> String? {
        try? PathNormalizer.normalize(path, encodedSlashes: limits.encodedSlashes).get()
    }

    /// 405 for `CONNECT` and `TRACE` (SPEC §11): the gateway opens no tunnels, and a backend's
    /// TRACE echo would hand script the request's cookies and credentials (cross-site tracing).
    /// As nginx, without an `Allow` line: which methods a path takes is the backend's to say.
    static func refusedMethod(_ head: HTTPRequestHead) -> GatewayError? {
        head.method == .CONNECT || head.method == .TRACE ? .methodNotAllowed : nil
    }

    /// 400 for a header name with `_` under `limits.underscoreHeaders: "reject"` (SPEC §11).
    static func underscoreViolation(_ scan: RequestHeadScan, limits: Limits) -> GatewayError? {
        scan.hasUnderscoreName && limits.underscoreHeaders == .reject ? .badRequest : nil
    }

    /// 431 when the head exceeds `maxRequestHeaders` or `maxRequestHeaderBytes` (each line
    /// counted as `name: value\r\n`).
    static func limitViolation(_ scan: RequestHeadScan, limits: Limits) -> GatewayError? {
        scan.count > limits.maxRequestHeaders || scan.bytes > limits.maxRequestHeaderBytes ? .headersTooLarge : nil
    }

    /// Path and query of an origin-form target; the query is kept byte for byte.
    static func splitTarget(_ uri: String) -> (path: String, query: String?) {
        guard let mark = uri.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (uri, nil) }
        return (String(uri[..<mark]), String(uri[uri.utf8.index(after: mark)...]))
    }

    /// How the request body is framed (the decoder already rejected conflicting framing, and
    /// framed the body by this Content-Length, optional whitespace and all: SPEC §11). A length
    /// beyond `Int.max` is longer than any limit, never no body.
    static func bodyFraming(_ scan: RequestHeadScan) -> UpstreamRequest.BodyFraming {
        if scan.hasTransferEncoding { return .chunked }
        if let contentLength = scan.contentLength {
            var length = Substring(contentLength)
            while let first = length.first, first == " " || first == "\t" { length.removeFirst() }
            while let last = length.last, last == " " || last == "\t" { length.removeLast() }
            if let value = Int(length) { return .known(value) }
            if !length.isEmpty, length.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) { return .known(.max) }
        }
        return .none
    }

    /// On an HTTP/2 stream DATA frames carry the body until the stream ends, with or without a
    /// `content-length`; the head does not say whether any follow. Methods that define a body
    /// stream it to the backend chunked; the others (GET, HEAD, OPTIONS, DELETE) are taken as
    /// bodiless, as browsers send them.
    static func http2BodyFraming(_ scan: RequestHeadScan, method: HTTPMethod) -> UpstreamRequest.BodyFraming {
        let framing = Self.bodyFraming(scan)
        guard framing == .none else { return framing }
        switch method {
        case .GET, .HEAD, .OPTIONS, .DELETE: return .none
        default: return .chunked
        }
    }
}
