import FunctionRuntime
import GatewayConfig
import NIOHTTP1

/// Which header rules a backend gets. The server picks one per backend from its config.
///
/// - `.plain`: an HTTP backend that is not a function runtime (SPEC §5.3).
/// - `.functionRuntime(seesHeadersAndCookies: true)`: runtime handler 1.2.0 or later (SPEC §5.1).
/// - `.functionRuntime(seesHeadersAndCookies: false)`: below 1.2.0, or classic (SPEC §5.2).
public enum BackendHeaderRules: Sendable, Equatable {
    case plain
    case functionRuntime(seesHeadersAndCookies: Bool)

    /// SPEC §5.1: handler >= 1.2.0.
    public static let modernFunction = BackendHeaderRules.functionRuntime(seesHeadersAndCookies: true)
    /// SPEC §5.2: handler < 1.2.0, or classic.
    public static let classicFunction = BackendHeaderRules.functionRuntime(seesHeadersAndCookies: false)

    /// The rules for a backend: `nil` (no `runtimeHandler`/`packageJson`) is a plain backend.
    public init(runtime: RuntimeHandlerVersion?) {
        if let runtime {
            self = .functionRuntime(seesHeadersAndCookies: runtime.seesHeadersAndCookies)
        } else {
            self = .plain
        }
    }
}

/// The header lines to send upstream, and how many client lines the backend's rules removed.
public struct UpstreamHeaders: Sendable {
    public var lines: [(name: String, value: String)]
    /// Client header lines removed by the SPEC §5 rules of this backend (before route edits),
    /// and names with `_` dropped under SPEC §11.
    /// Not counted: `Host`, `Content-Length` and `Transfer-Encoding` (the engine frames the
    /// request itself), a client `X-Request-Id` that the resolved id replaces, `Cookie` lines
    /// folded into one or emptied by the route's cookie `forward` filter (SPEC §6, not §5),
    /// and lines the route's `headers.request` block removes.
    public var strippedCount: Int

    public init(lines: [(name: String, value: String)], strippedCount: Int) {
        self.lines = lines
        self.strippedCount = strippedCount
    }
}

/// The response header lines the client gets (before CORS and cookie policy), and how many
/// backend lines the backend's rules removed.
public struct ClientResponseHeaders: Sendable {
    public var lines: [(name: String, value: String)]
    /// Backend lines removed: hop-by-hop lines, plus every `Set-Cookie` line for a SPEC §5.2
    /// backend. The backend's own `X-Request-Id` (replaced) is not counted.
    public var strippedCount: Int

    public init(lines: [(name: String, value: String)], strippedCount: Int) {
        self.lines = lines
        self.strippedCount = strippedCount
    }
}

extension BackendHeaderRules {
    /// Framing lines the engine replaces; never counted as stripped. Lowercased.
    static let framingNotCounted: Set<String> = ["host", "content-length", "transfer-encoding"]

    /// SPEC §5.1: names the platform never hands to a function (>= 1.2.0). Lowercased.
    public static let functionRestrictedNames: Set<String> = [
        "connection", "keep-alive", "te", "proxy-connection", "expect", "proxy-authorization",
        "proxy-authenticate", "referer", "trailer", "transfer-encoding", "upgrade", "via",
        "x-real-ip", "forwarded",
    ]

    /// SPEC §5.1: name prefixes the platform never hands to a function. Lowercased.
    public static let functionRestrictedPrefixes: [String] = [
        "x-forwarded-", "x-accel-", "i-twilio-", "i-t-", "ot-", "x-amz",
    ]

    /// Whether a SPEC §5.1 backend never gets a client header of this name (any case).
    public static func isFunctionRestricted(_ name: String) -> Bool {
        isFunctionRestricted(lowercased: name.lowercased())
    }

    static func isFunctionRestricted(lowercased lower: String) -> Bool {
        functionRestrictedNames.contains(lower) || functionRestrictedPrefixes.contains { lower.hasPrefix($0) }
    }

    /// What happens to a client line on its way to a plain backend, by its lowercased name: the
    /// fixed lists as one switch of small-string comparisons instead of four set look-ups (each
    /// a hash) per line. Connection-listed names are checked by the caller.
    private enum PlainLineFate { case keep, dropUncounted, strip }

    /// Bit n is set when a plain backend may drop a client name of n bytes (every name in
    /// `plainLineFate`'s switch); names of 12 bytes or more may also be `x-forwarded-*`.
    private static let plainDropLengthMask: UInt64 = [
        "host", "content-length", "transfer-encoding", "x-request-id", "connection", "keep-alive",
        "proxy-connection", "te", "trailer", "upgrade", "proxy-authenticate", "proxy-authorization",
        "expect", "forwarded", "x-real-ip", "true-client-ip", "x-original-url", "x-rewrite-url",
    ].reduce(0) { mask, name in mask | (1 << UInt64(name.utf8.count)) }

    /// Whether a name of this length can only be kept: then it need not be lowercased at all.
    private static func plainKeepsUnread(nameLength: Int) -> Bool {
        nameLength < 12 && plainDropLengthMask & (1 << UInt64(nameLength)) == 0
    }

    private static func plainLineFate(_ lower: String) -> PlainLineFate {
        switch lower {
        // Framing the engine replaces, and the id the gateway sets: never counted as stripped.
        case "host", "content-length", "transfer-encoding", "x-request-id":
            return .dropUncounted
        // Hop-by-hop (`HopByHopHeaders.fixed`), `Expect` (the engine frames the body), and the
        // forwarding names the gateway writes itself (with every `x-forwarded-*` below).
        case "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "proxy-authenticate",
            "proxy-authorization", "expect", "forwarded":
            return .strip
        // What other proxies and frameworks take for the client's address or the request's
        // real path: only the edge could have set them, and the gateway is the edge.
        case "x-real-ip", "true-client-ip", "x-original-url", "x-rewrite-url":
            return .strip
        default:
            return lower.hasPrefix("x-forwarded-") ? .strip : .keep
        }
    }

    /// The header lines to send upstream, in order, and the stripped count.
    ///
    /// - `.plain` (§5.3): the client's end-to-end lines (order and repeats kept; hop-by-hop,
    ///   `Connection`-listed, `Forwarded`, `X-Forwarded-*`, `X-Real-IP`, `True-Client-IP`,
    ///   `X-Original-URL`, `X-Rewrite-URL` removed), then `X-Forwarded-For`,
    ///   `X-Forwarded-Proto`, `X-Forwarded-Host` (when the client sent a Host), `X-Request-Id`,
    ///   then the route's `headers.request` edits.
    /// - `.functionRuntime(seesHeadersAndCookies: true)` (§5.1): the client's lines less the
    ///   restricted names and prefixes and `Connection`-listed names, then `X-Request-Id`, then
    ///   the route edits. No `X-Forwarded-*`/`Forwarded` of the gateway's own.
    /// - `.functionRuntime(seesHeadersAndCookies: false)` (§5.2): only the client's
    ///   `Content-Type` line(s), then the route edits. No `X-Request-Id`, no cookies.
    ///
    /// `Host`, `Content-Length` (and `Expect`) never come from the client: the engine sets them.
    ///
    /// `filterCookies` is the route's cookie `forward` filter (SPEC §6): it gets the values of
    /// the client's `Cookie` lines in order and returns the one `Cookie` value to send, or nil
    /// (or "") to send none. The result replaces the first `Cookie` line; the others go. With
    /// `nil` (the default) `Cookie` lines pass unchanged. Not called for §5.2, nor when the
    /// client sent no `Cookie`.
    ///
    /// `dropsUnderscoreNames` removes (and counts) every client line whose name contains `_`
    /// (SPEC §11, `limits.underscoreHeaders: "drop"`), before any other rule sees it.
    // Specialised for the gateway's (NIO's) and the tests' header types: unspecialised, the
    // generic iteration through witness tables was most of the cost of building the list.
    @_specialize(exported: true, where Headers == HTTPHeaders)
    @_specialize(exported: true, where Headers == [(name: String, value: String)])
    public func upstreamHeaders<Headers: Sequence>(
        client: Headers,
        context: ForwardingContext,
        routeEdits: CompiledHeaderEdits,
        filterCookies: (([String]) -> String?)? = nil,
        dropsUnderscoreNames: Bool = false
    ) -> UpstreamHeaders where Headers.Element == (name: String, value: String) {
        let hopByHop = HopByHopHeaders.names(in: client)
        let connectionListed = hopByHop.count > HopByHopHeaders.fixed.count
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(16)
        var stripped = 0
        switch self {
        case .plain:
            for (name, value) in client {
                if dropsUnderscoreNames, Self.containsUnderscore(name) {
                    stripped += 1
                    continue
                }
                if !connectionListed, Self.plainKeepsUnread(nameLength: name.utf8.count) {
                    headers.append((name, value))
                    continue
                }
                let lower = name.lowercased()
                switch Self.plainLineFate(lower) {
                case .dropUncounted:
                    continue
                case .strip:
                    stripped += 1
                    continue
                case .keep where connectionListed && hopByHop.contains(lower):
                    stripped += 1
                    continue
                case .keep:
                    headers.append((name, value))
                }
            }
            Self.filterCookieLines(&headers, filterCookies)
            headers.append(("X-Forwarded-For", context.clientAddress))
            headers.append(("X-Forwarded-Proto", context.scheme))
            if let host = context.host { headers.append(("X-Forwarded-Host", host)) }
            headers.append((RequestID.headerName, context.requestId))

        case .functionRuntime(seesHeadersAndCookies: true):
            for (name, value) in client {
                if dropsUnderscoreNames, Self.containsUnderscore(name) {
                    stripped += 1
                    continue
                }
                let lower = name.lowercased()
                if Self.framingNotCounted.contains(lower) || lower == "x-request-id" { continue }
                if hopByHop.contains(lower) || Self.isFunctionRestricted(lowercased: lower) {
                    stripped += 1
                    continue
                }
                headers.append((name, value))
            }
            Self.filterCookieLines(&headers, filterCookies)
            headers.append((RequestID.headerName, context.requestId))

        case .functionRuntime(seesHeadersAndCookies: false):
            for (name, value) in client {
                let lower = name.lowercased()
                if Self.framingNotCounted.contains(lower) { continue }
                if lower == "content-type" && !hopByHop.contains(lower) {
                    headers.append((name, value))
                } else {
                    stripped += 1
                }
            }
        }
        routeEdits.apply(to: &headers)
        return UpstreamHeaders(lines: headers, strippedCount: stripped)
    }

    /// Whether a header name contains `_`, which CGI-style backends read as `-` (SPEC §11).
    public static func containsUnderscore(_ name: String) -> Bool {
        name.utf8.contains(UInt8(ascii: "_"))
    }

    /// `upstreamHeaders(client:context:routeEdits:)` without the count, cookies kept as sent.
    public func upstreamRequestHeaders<Headers: Sequence>(
        client: Headers,
        context: ForwardingContext,
        routeEdits: CompiledHeaderEdits
    ) -> [(name: String, value: String)] where Headers.Element == (name: String, value: String) {
        upstreamHeaders(client: client, context: context, routeEdits: routeEdits).lines
    }

    /// Replaces the `Cookie` lines with the filter's one value, at the first line's place.
    private static func filterCookieLines(
        _ headers: inout [(name: String, value: String)],
        _ filter: (([String]) -> String?)?
    ) {
        guard let filter else { return }
        let isCookie: ((name: String, value: String)) -> Bool = { $0.name.lowercased() == "cookie" }
        guard let first = headers.firstIndex(where: isCookie) else { return }
        let values = headers.filter(isCookie).map(\.value)
        let kept = filter(values)
        let name = headers[first].name
        headers.removeAll(where: isCookie)
        if let kept, !kept.isEmpty {
            headers.insert((name, kept), at: first)
        }
    }

    /// The backend's response header lines as the client gets them (before CORS and cookie
    /// policy), and the stripped count: hop-by-hop lines dropped, for a §5.2 backend every
    /// `Set-Cookie` line dropped too, the exchange's `X-Request-Id`, then the route's
    /// `headers.response` edits.
    public func responseHeaders(
        backend: [(name: String, value: String)],
        requestId: String,
        routeEdits: CompiledHeaderEdits
    ) -> ClientResponseHeaders {
        let hopByHop = HopByHopHeaders.names(in: backend)
        let connectionListed = hopByHop.count > HopByHopHeaders.fixed.count
        let dropsSetCookie = self == .functionRuntime(seesHeadersAndCookies: false)
        var stripped = 0
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(backend.count + 4)
        for line in backend {
            // Only a name of one of these lengths can be dropped, unless `Connection` listed
            // more: most lines (Date, Server, Content-Type, …) are kept without lowercasing.
            if !connectionListed, !Self.mayDropFromResponse(nameLength: line.name.utf8.count) {
                headers.append(line)
                continue
            }
            let lower = line.name.lowercased()
            if lower == "x-request-id" { continue }
            if hopByHop.contains(lower) || (dropsSetCookie && lower == "set-cookie") {
                stripped += 1
                continue
            }
            headers.append(line)
        }
        headers.append((RequestID.headerName, requestId))
        routeEdits.apply(to: &headers)
        return ClientResponseHeaders(lines: headers, strippedCount: stripped)
    }

    /// Bit n is set when `responseHeaders` may drop a name of n bytes: `HopByHopHeaders.fixed`,
    /// `x-request-id` and `set-cookie` (all shorter than 64 bytes).
    private static let responseDropLengthMask: UInt64 = HopByHopHeaders.fixed.union(["x-request-id", "set-cookie"])
        .reduce(0) { mask, name in mask | (1 << UInt64(name.utf8.count)) }

    private static func mayDropFromResponse(nameLength: Int) -> Bool {
        nameLength < 64 && Self.responseDropLengthMask & (1 << UInt64(nameLength)) != 0
    }

    /// `responseHeaders(backend:requestId:routeEdits:)` without the count.
    public func clientResponseHeaders(
        backend: [(name: String, value: String)],
        requestId: String,
        routeEdits: CompiledHeaderEdits
    ) -> [(name: String, value: String)] {
        responseHeaders(backend: backend, requestId: requestId, routeEdits: routeEdits).lines
    }
}
