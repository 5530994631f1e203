import GatewayConfig

/// Which header rules a backend gets. The server picks one per backend from its config.
///
/// Today every backend is forwarded as a plain HTTP backend (SPEC §5.3). The function-runtime
/// rules of SPEC §5.1 (handler 1.2.0 and later) and §5.2 (older or classic) become further
/// cases here, with their own request and response filters.
public enum BackendHeaderRules: Sendable, Equatable {
    case plain
}

extension BackendHeaderRules {
    /// Names the engine owns on the upstream request (it frames the body and sets Host from the
    /// URL) and so never takes from the client. Lowercased.
    static let framedByEngine: Set<String> = ["host", "content-length", "expect"]

    /// Names the gateway writes itself on a plain backend's request. Lowercased.
    static let forwardingNames: Set<String> = [
        "forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-request-id",
    ]

    /// The header lines to send upstream, in order: the client's end-to-end lines (order and
    /// repeats kept), then the gateway's own, then the route's `headers.request` edits.
    public func upstreamRequestHeaders<Headers: Sequence>(
        client: Headers,
        context: ForwardingContext,
        routeEdits: CompiledHeaderEdits
    ) -> [(name: String, value: String)] where Headers.Element == (name: String, value: String) {
        switch self {
        case .plain:
            let hopByHop = HopByHopHeaders.names(in: client)
            var headers: [(name: String, value: String)] = []
            for (name, value) in client {
                let lower = name.lowercased()
                if hopByHop.contains(lower) || Self.framedByEngine.contains(lower)
                    || Self.forwardingNames.contains(lower) || lower.hasPrefix("x-forwarded-")
                {
                    continue
                }
                headers.append((name, value))
            }
            headers.append(("X-Forwarded-For", context.clientAddress))
            headers.append(("X-Forwarded-Proto", context.scheme))
            if let host = context.host { headers.append(("X-Forwarded-Host", host)) }
            headers.append((RequestID.headerName, context.requestId))
            routeEdits.apply(to: &headers)
            return headers
        }
    }

    /// The backend's response header lines as the client gets them (before CORS and cookie
    /// policy): hop-by-hop lines dropped, the exchange's `X-Request-Id`, the route's
    /// `headers.response` edits.
    public func clientResponseHeaders(
        backend: [(name: String, value: String)],
        requestId: String,
        routeEdits: CompiledHeaderEdits
    ) -> [(name: String, value: String)] {
        let hopByHop = HopByHopHeaders.names(in: backend)
        var headers = backend.filter {
            let lower = $0.name.lowercased()
            return !hopByHop.contains(lower) && lower != "x-request-id"
        }
        headers.append((RequestID.headerName, requestId))
        routeEdits.apply(to: &headers)
        return headers
    }
}
