import CurlEngine
import GatewayConfig
import GatewayPolicy
import NIOHTTP1

/// Turns a client's request head and its matched route into the request curl sends.
enum UpstreamRequestBuilder {
    /// The request, and how many client header lines the backend's rules stripped.
    static func build(
        head: HTTPRequestHead,
        path: String,
        query: String?,
        route: CompiledRoute,
        rules: BackendHeaderRules,
        context: ForwardingContext,
        framing: UpstreamRequest.BodyFraming,
        limits: Limits,
        dropsUnderscoreNames: Bool
    ) -> (request: UpstreamRequest, strippedHeaders: Int) {
        let backend = route.backend
        let cookies = route.cookies
        let headers = rules.upstreamHeaders(
            client: head.headers,
            context: context,
            routeEdits: route.requestHeaders,
            filterCookies: { cookies.filterRequestCookies($0) },
            dropsUnderscoreNames: dropsUnderscoreNames
        )
        let request = UpstreamRequest(
            url: backend.origin + route.upstreamTarget(path: path, query: query),
            method: head.method.rawValue,
            headers: headers.lines,
            body: framing,
            poolKey: backend.name,
            maxConnections: backend.maxConnections,
            connectTimeoutMs: backend.connectTimeoutMs,
            queueTimeoutMs: backend.queueTimeoutMs,
            maxResponseHeaderBytes: limits.maxResponseHeaderBytes,
            caFile: backend.caFile
        )
        return (request, headers.strippedCount)
    }
}
