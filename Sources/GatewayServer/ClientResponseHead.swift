import CORSPolicy
import CookiePolicy
import CurlEngine
import Foundation
import GatewayConfig
import GatewayPolicy
import NIOHTTP1

/// A backend's response head as the client gets it: the backend rules' filtering, the route's
/// header edits, its cookie policy (SPEC §6) and its CORS headers, and the framing of the body
/// that follows. The `Connection` line is the writer's, once the connection's fate is known.
struct ClientResponseHead {
    var status: Int
    var lines: [(name: String, value: String)]
    var framing: ResponseWire.BodyFraming
    /// The body can only end with the connection (HTTP/1.0 without a length).
    var mustClose: Bool

    enum Outcome {
        case forward(ClientResponseHead)
        /// A cookie the route's policy rejects: nothing of this response goes out.
        case cookieRejected
    }

    static func build(
        from upstream: UpstreamResponseHead, route: CompiledRoute, rules: BackendHeaderRules, cors: ExchangeCORS?,
        requestId: String, version: HTTPVersion, method: HTTPMethod, telemetry: RequestTelemetry
    ) -> Outcome {
        let filtered = rules.responseHeaders(backend: upstream.headers, requestId: requestId, routeEdits: route.responseHeaders)
        guard var lines = Self.applyCookiePolicy(to: filtered.lines, route: route, telemetry: telemetry) else {
            return .cookieRejected
        }
        if let cors { lines = cors.apply(to: lines) }
        var mustClose = false
        // The backend's Transfer-Encoding is hop-by-hop (dropped) and no route may set one, so
        // the only one the head can carry is added here: no need to look for it again.
        var transferEncoding: String?
        let hasLength = lines.contains { nameEquals($0.name, "content-length") }
        if !hasLength, Self.mayHaveBody(status: upstream.status) {
            if version == .http1_0 {
                mustClose = true  // an HTTP/1.0 body without a length ends with the connection
            } else if version.major == 1 {
                transferEncoding = "chunked"  // curl de-chunked it; frame it again
                lines.append(("Transfer-Encoding", "chunked"))
            }  // HTTP/2: the stream's end frames the body
        }
        let framing = ResponseWire.framing(
            status: upstream.status, transferEncoding: transferEncoding, version: version, requestMethod: method)
        return .forward(ClientResponseHead(status: upstream.status, lines: lines, framing: framing, mustClose: mustClose))
    }

    /// RFC 9110 §6.4.1: 1xx, 204 and 304 responses never carry a body.
    private static func mayHaveBody(status: Int) -> Bool {
        status >= 200 && status != 204 && status != 304
    }

    /// Rewrites every Set-Cookie line by the route's cookie policy; malformed ones are dropped
    /// and counted. nil when a cookie is rejected (`overMaxAge: reject`).
    private static func applyCookiePolicy(
        to lines: [(name: String, value: String)], route: CompiledRoute, telemetry: RequestTelemetry
    ) -> [(name: String, value: String)]? {
        guard lines.contains(where: Self.isSetCookie) else { return lines }  // the common case: nothing to do
        var result: [(name: String, value: String)] = []
        result.reserveCapacity(lines.count)
        var rewritten = 0
        var dropped = 0
        let now = Int64(Date().timeIntervalSince1970)
        for line in lines {
            guard Self.isSetCookie(line) else {
                result.append(line)
                continue
            }
            switch route.cookies.rewrite(setCookie: line.value, now: now) {
            case .unchanged(let value):
                result.append((line.name, value))
            case .rewritten(let value):
                rewritten += 1
                result.append((line.name, value))
            case .dropped:
                dropped += 1
            case .rejected:
                return nil
            }
        }
        telemetry.cookies(rewritten: rewritten, dropped: dropped, route: route.name)
        return result
    }

    private static func isSetCookie(_ line: (name: String, value: String)) -> Bool {
        nameEquals(line.name, "set-cookie")
    }
}
