import CORSPolicy
import GatewayConfig
import GatewayPolicy

/// What the fast lane reads from a plain preflight head: nil for any head it does not take.
struct PlainPreflight {
    var headLength: Int
    var host: String
    /// The target without its query, as `ProxyHandler` logs it.
    var path: String
    /// `path` normalised, as `ProxyHandler` routes it (SPEC §11).
    var routedPath: String
    var requestedMethod: String
    var requestId: String?
    /// Origin, Access-Control-Request-* lines, in order: all a preflight decision reads.
    var corsLines: HeaderLines = []

    init?(_ bytes: UnsafeRawBufferPointer, fields: inout [PlainRequestHead.Field], limits: Limits) {
        guard case .complete(let method, let target, let length) =
            PlainRequestHead.parse(bytes, fields: &fields, maxFields: limits.maxRequestHeaders),
            bytes[method.start..<method.end].elementsEqual("OPTIONS".utf8)  // methods are case-sensitive
        else { return nil }
        self.headLength = length
        var host: String?
        var hostCount = 0
        var requestedMethod: String?
        var hasOrigin = false
        var headerBytes = 0
        let rejectsUnderscores = limits.underscoreHeaders == .reject
        for field in fields {
            headerBytes += field.name.count + field.value.count + 4
            let name = field.name
            // The general path answers such a head 400 (SPEC §11).
            if rejectsUnderscores, bytes[name.start..<name.end].contains(UInt8(ascii: "_")) { return nil }
            // The length picks the one name a line can be, as in RequestHeadScan.
            switch name.count {
            case 4 where Self.equals(bytes, name, "host"):
                hostCount += 1
                host = Self.string(bytes, field.value)
            case 6 where Self.equals(bytes, name, "origin"):
                hasOrigin = true
                self.corsLines.append((name: "Origin", value: Self.string(bytes, field.value)))
            case 6 where Self.equals(bytes, name, "expect"), 7 where Self.equals(bytes, name, "upgrade"),
                14 where Self.equals(bytes, name, "content-length"), 17 where Self.equals(bytes, name, "transfer-encoding"):
                return nil
            case 10 where Self.equals(bytes, name, "connection"):
                guard Self.equals(bytes, field.value, "keep-alive") else { return nil }
            case 12 where Self.equals(bytes, name, "x-request-id"):
                if self.requestId == nil { self.requestId = Self.string(bytes, field.value) }
            case 29 where Self.equals(bytes, name, "access-control-request-method"):
                let value = Self.string(bytes, field.value)
                if requestedMethod == nil { requestedMethod = value }
                self.corsLines.append((name: "Access-Control-Request-Method", value: value))
            case 30 where Self.equals(bytes, name, "access-control-request-headers"):
                self.corsLines.append((name: "Access-Control-Request-Headers", value: Self.string(bytes, field.value)))
            case 38 where Self.equals(bytes, name, "access-control-request-private-network"):
                self.corsLines.append((name: "Access-Control-Request-Private-Network", value: Self.string(bytes, field.value)))
            default:
                break
            }
        }
        // Anything the general path answers with an error (400, 431) or does not answer at
        // the edge goes there.
        guard hostCount == 1, let host, HostHeader.isValid(host), hasOrigin, let requestedMethod,
            headerBytes <= limits.maxRequestHeaderBytes
        else { return nil }
        self.host = host
        self.requestedMethod = requestedMethod
        let queryMark = bytes[target.start..<target.end].firstIndex(of: UInt8(ascii: "?")) ?? target.end
        self.path = Self.string(bytes, PlainRequestHead.Span(start: target.start, end: queryMark))
        guard let routedPath = RequestHeadCheck.routedPath(self.path, limits: limits) else { return nil }
        self.routedPath = routedPath
    }

    private static func string(_ bytes: UnsafeRawBufferPointer, _ span: PlainRequestHead.Span) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[span.start..<span.end]), as: UTF8.self)
    }

    /// Compares with `lowercase` ignoring ASCII case (the parser admits ASCII only).
    private static func equals(_ bytes: UnsafeRawBufferPointer, _ span: PlainRequestHead.Span, _ lowercase: StaticString) -> Bool {
        bytesEqualLowercase(UnsafeRawBufferPointer(rebasing: bytes[span.start..<span.end]), lowercase)
    }
}
