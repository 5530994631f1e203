import CurlEngine
import GatewayConfig
import GatewayPolicy
import NIOCore
import NIOHTTP1

/// The state of one proxied request/response pair on a client connection.
final class ProxyExchange {
    let route: CompiledRoute
    let headerRules: BackendHeaderRules
    let cors: ExchangeCORS?
    let requestId: String
    let version: HTTPVersion
    var keepAlive: Bool
    let maxRequestBodyBytes: Int
    let hasRequestBody: Bool

    var transfer: (any UpstreamTransfer)?
    var requestBodyBytes = 0
    var requestEnded = false
    var responseHeadSent = false
    var responseEnded = false
    /// The transfer ended (completed, failed or was cancelled): no more events matter.
    var upstreamFinished = false

    init(
        route: CompiledRoute,
        headerRules: BackendHeaderRules,
        cors: ExchangeCORS?,
        requestId: String,
        version: HTTPVersion,
        keepAlive: Bool,
        maxRequestBodyBytes: Int,
        hasRequestBody: Bool
    ) {
        self.route = route
        self.headerRules = headerRules
        self.cors = cors
        self.requestId = requestId
        self.version = version
        self.keepAlive = keepAlive
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.hasRequestBody = hasRequestBody
    }
}
