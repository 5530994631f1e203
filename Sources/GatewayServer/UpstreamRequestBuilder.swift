import CurlEngine
import GatewayConfig
import GatewayPolicy
import NIOHTTP1

/// Turns a client's request head and its matched route into the request curl sends.
enum UpstreamRequestBuilder {
    static func build(
        head: HTTPRequestHead,
        path: String,
        query: String?,
        route: CompiledRoute,
        context: ForwardingContext,
        framing: UpstreamRequest.BodyFraming,
        limits: Limits
    ) -> UpstreamRequest {
        let backend = route.backend
        let headers = BackendHeaderRules(backend.kind).upstreamRequestHeaders(
            client: head.headers,
            context: context,
            routeEdits: route.requestHeaders
        )
        return UpstreamRequest(
            url: backend.origin + route.upstreamTarget(path: path, query: query),
            method: head.method.rawValue,
            headers: headers,
            body: framing,
            poolKey: backend.name,
            maxConnections: backend.maxConnections,
            connectTimeoutMs: backend.connectTimeoutMs,
            maxResponseHeaderBytes: limits.maxResponseHeaderBytes,
            caFile: backend.caFile
        )
    }
}

extension BackendHeaderRules {
    /// The rules for a configured backend. Function runtimes are forwarded as plain backends
    /// until SPEC §5.1/§5.2 stripping lands as their own cases.
    init(_ kind: BackendKind) {
        switch kind {
        case .plain, .functionRuntime: self = .plain
        }
    }
}
