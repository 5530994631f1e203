import CurlEngine
import GatewayConfig
import GatewayPolicy
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
    /// What curl sends, until the transfer starts.
    var request: UpstreamRequest?
    var transfer: (any UpstreamTransfer)?

    init(
        route: CompiledRoute?, headerRules: BackendHeaderRules?, cors: ExchangeCORS?, requestId: String,
        version: HTTPVersion, method: HTTPMethod
    ) {
        self.route = route
        self.headerRules = headerRules
        self.cors = cors
        self.requestId = requestId
        self.version = version
        self.method = method
    }
}
