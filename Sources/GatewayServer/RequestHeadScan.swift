import CORSPolicy
import GatewayPolicy
import NIOHTTP1

/// What the gateway reads from a request's header lines before routing, found in one pass:
/// the checks, the routing and the CORS detection each used to scan the lines again (and two
/// of them built arrays to count matches).
struct RequestHeadScan {
    /// The first Host value without surrounding whitespace, and how many Host lines there are.
    var host: String?
    var hostCount = 0
    /// The first X-Request-Id value.
    var requestId: String?
    var hasOrigin = false
    /// The first Access-Control-Request-Method value.
    var requestedMethod: String?
    var hasTransferEncoding = false
    /// The Transfer-Encoding lines together name one coding, and it is chunked (empty list
    /// elements do not count, RFC 9110 §5.6.1).
    var transferEncodingIsChunkedOnly: Bool { self.transferCodings == 1 && self.lastCodingIsChunked }
    private var transferCodings = 0
    private var lastCodingIsChunked = false
    /// The first Content-Length value.
    var contentLength: String?
    var expectsContinue = false
    /// Some header name contains `_` (SPEC §11, `limits.underscoreHeaders`).
    var hasUnderscoreName = false
    /// Header lines, and their bytes counted as `name: value\r\n` (SPEC §3 limits).
    var count = 0
    var bytes = 0

    init(_ headers: HTTPHeaders) {
        for (name, value) in headers {
            self.count += 1
            self.bytes += name.utf8.count + value.utf8.count + 4
            if !self.hasUnderscoreName, BackendHeaderRules.containsUnderscore(name) { self.hasUnderscoreName = true }
            // The length picks the one name a line can be, so most lines cost no comparison.
            switch name.utf8.count {
            case 4 where nameEquals(name, "host"):
                self.hostCount += 1
                if self.host == nil { self.host = withoutSurroundingWhitespace(value) }
            case 6 where nameEquals(name, "origin"):
                self.hasOrigin = true
            case 6 where nameEquals(name, "expect"):
                if value.lowercased() == "100-continue" { self.expectsContinue = true }
            case 12 where nameEquals(name, "x-request-id"):
                if self.requestId == nil { self.requestId = value }
            case 14 where nameEquals(name, "content-length"):
                if self.contentLength == nil { self.contentLength = value }
            case 17 where nameEquals(name, "transfer-encoding"):
                self.hasTransferEncoding = true
                for coding in value.split(separator: ",") {
                    let trimmed = withoutSurroundingWhitespace(String(coding))
                    guard !trimmed.isEmpty else { continue }
                    self.transferCodings += 1
                    self.lastCodingIsChunked = trimmed.lowercased() == "chunked"
                }
            case 29 where nameEquals(name, "access-control-request-method"):
                if self.requestedMethod == nil { self.requestedMethod = value }
            default:
                break
            }
        }
    }

    /// SPEC §4: OPTIONS with an Origin (any value) and an Access-Control-Request-Method.
    func isCORSPreflight(method: HTTPMethod) -> Bool {
        method == .OPTIONS && self.hasOrigin && self.requestedMethod != nil
    }

    /// The method routes are matched on: a preflight matches on the method it asks about.
    func routingMethod(_ method: HTTPMethod) -> String {
        if self.isCORSPreflight(method: method), let requested = self.requestedMethod { return requested }
        return method.rawValue
    }
}

/// A field value without the spaces and tabs around it, which are no part of it (RFC 9110
/// §5.5) but which llhttp leaves at its end: `Host: example.com ` names `example.com`.
private func withoutSurroundingWhitespace(_ value: String) -> String {
    func isWhitespace(_ byte: UInt8?) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
    guard isWhitespace(value.utf8.first) || isWhitespace(value.utf8.last) else { return value }
    var bytes = value.utf8[...]
    while isWhitespace(bytes.first) { bytes = bytes.dropFirst() }
    while isWhitespace(bytes.last) { bytes = bytes.dropLast() }
    return String(Substring(bytes))
}
