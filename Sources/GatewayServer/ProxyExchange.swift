import CurlEngine
import GatewayConfig
import GatewayPolicy
import NIOCore
import NIOHTTP1

/// What one exchange on a client connection is about: the route it matched and the request it
/// answers. Its progress lives in `ConnectionStateMachine`, not here.
final class ProxyExchange {
    let route: CompiledRoute?
    let headerRules: BackendHeaderRules?
    let cors: ExchangeCORS?
    let requestId: String
    let version: HTTPVersion
    let method: HTTPMethod
    /// The backend's `responseTimeoutMs` and `idleTimeoutMs`; without a backend (a local answer
    /// whose request body is still coming) the client's keep-alive idle time.
    let responseTimeout: TimeAmount
    let idleTimeout: TimeAmount
    /// What curl sends, until the transfer starts.
    var request: UpstreamRequest?
    var transfer: (any UpstreamTransfer)?

    init(
        route: CompiledRoute?, headerRules: BackendHeaderRules?, cors: ExchangeCORS?, requestId: String,
        version: HTTPVersion, method: HTTPMethod, limits: Limits
    ) {
        self.route = route
        self.headerRules = headerRules
        self.cors = cors
        self.requestId = requestId
        self.version = version
        self.method = method
        let backend = route?.backend
        self.responseTimeout = .milliseconds(Int64(backend?.responseTimeoutMs ?? limits.idleTimeoutMs))
        self.idleTimeout = .milliseconds(Int64(backend?.idleTimeoutMs ?? limits.idleTimeoutMs))
    }
}
