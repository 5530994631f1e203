import CORSPolicy
import GatewayConfig
import GatewayPolicy
import NIOHPACK

/// What the HTTP/2 preflight lane reads from a request's HEADERS frame: nil for any header
/// block it does not take, which then goes to a stream channel and `ProxyHandler`.
///
/// It takes only blocks the general path answers at the edge without an error, checked the
/// way `ProxyHandler` checks the head `HTTP2FramePayloadToHTTP1ServerCodec` makes of them:
/// that head has a `host` line made from `:authority` and, for OPTIONS at the stream's end, a
/// `content-length: 0` line, and both count towards the header limits (SPEC §3). The block's
/// validity (pseudo-fields, names, values) is nio-http2's, checked before the lane sees it.
struct HTTP2PreflightHead {
    var host: String
    /// `:path` without its query, as `ProxyHandler` logs it.
    var path: String
    /// `path` normalised, as `ProxyHandler` routes it (SPEC §11).
    var routedPath: String
    var requestedMethod: String
    var requestId: String?
    /// Origin, Access-Control-Request-* fields, in order: all a preflight decision reads.
    var corsLines: HeaderLines = []

    /// The lines the codec adds to the head: `host` (4 + value + 4 bytes) and `content-length: 0` (14 + 1 + 4).
    private static let addedLines = 2
    private static let addedBytes = 8 + 19

    /// `headers` is the block of a HEADERS frame that ends its stream.
    init?(_ headers: HPACKHeaders, limits: Limits) {
        var method: String?
        var path: String?
        var authority: String?
        var pseudoFields = 0
        var lines = Self.addedLines
        var bytes = Self.addedBytes
        var hasOrigin = false
        var requestedMethod: String?
        let rejectsUnderscores = limits.underscoreHeaders == .reject
        for (name, value, _) in headers {
            if name.utf8.first == UInt8(ascii: ":") {
                // Each once, none unknown (nio-http2 has refused those already).
                pseudoFields += 1
                switch name {
                case ":method": guard method == nil else { return nil }; method = value
                case ":path": guard path == nil else { return nil }; path = value
                case ":authority": guard authority == nil else { return nil }; authority = value
                case ":scheme": break
                default: return nil
                }
                continue
            }
            lines += 1
            bytes += name.utf8.count + value.utf8.count + 4
            // The general path answers such a head 400 (SPEC §11).
            if rejectsUnderscores, BackendHeaderRules.containsUnderscore(name) { return nil }
            switch name.utf8.count {
            case 4 where nameEquals(name, "host"):
                return nil  // the codec would route on it instead of :authority
            case 6 where nameEquals(name, "origin"):
                hasOrigin = true
                self.corsLines.append((name: "Origin", value: value))
            case 6 where nameEquals(name, "expect"), 14 where nameEquals(name, "content-length"),
                17 where nameEquals(name, "transfer-encoding"):
                return nil
            case 12 where nameEquals(name, "x-request-id"):
                if self.requestId == nil { self.requestId = value }
            case 29 where nameEquals(name, "access-control-request-method"):
                if requestedMethod == nil { requestedMethod = value }
                self.corsLines.append((name: "Access-Control-Request-Method", value: value))
            case 30 where nameEquals(name, "access-control-request-headers"):
                self.corsLines.append((name: "Access-Control-Request-Headers", value: value))
            case 38 where nameEquals(name, "access-control-request-private-network"):
                self.corsLines.append((name: "Access-Control-Request-Private-Network", value: value))
            default:
                break
            }
        }
        // :scheme is the fourth; a request without it is malformed (the codec refuses it).
        guard pseudoFields == 4, method == "OPTIONS", let path, let authority, HostHeader.isValid(authority),
            path.utf8.first == UInt8(ascii: "/"), !path.utf8.contains(UInt8(ascii: "#")), hasOrigin, let requestedMethod,
            lines <= limits.maxRequestHeaders, bytes + authority.utf8.count <= limits.maxRequestHeaderBytes
        else { return nil }
        self.host = authority
        self.requestedMethod = requestedMethod
        self.path = RequestHeadCheck.splitTarget(path).path
        guard let routedPath = RequestHeadCheck.routedPath(self.path, limits: limits) else { return nil }
        self.routedPath = routedPath
    }
}
