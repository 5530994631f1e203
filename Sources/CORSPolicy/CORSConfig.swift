/// The effective CORS settings of one route (SPEC §4): the route's `cors` fields over
/// `defaults.cors`, merged and validated by GatewayConfig. The initial values are the SPEC's
/// defaults, so `CORSConfig()` is what `"cors": {}` means.
///
/// `CORSPolicy` trusts these values to have passed `check`: origins lowercase and without a
/// default port, no `*` with credentials. Values `check` would refuse never widen what the
/// policy allows (an entry outside the origin grammar matches nothing).
public struct CORSConfig: Sendable, Equatable {
    /// `preflight`: who answers a preflight that passes.
    public enum Preflight: String, Sendable, CaseIterable {
        /// The gateway answers at the edge; the backend never sees a preflight.
        case answer
        /// A passing preflight goes to the backend, whose answer gets the route's preflight headers.
        case forward
    }

    /// `backendHeaders`: what happens to `Access-Control-*` headers the backend sent.
    public enum BackendHeaders: String, Sendable, CaseIterable {
        /// Every backend `Access-Control-*` header is removed and the route's are applied.
        case override
        /// A backend that sent `Access-Control-Allow-Origin` keeps its CORS headers.
        case preserve
    }

    /// `mode`: whether decisions change the wire.
    public enum Mode: String, Sendable, CaseIterable {
        case enforce
        /// Decisions are computed and recorded; nothing on the wire changes.
        case reportOnly = "report-only"
        /// As if the route had no `cors`.
        case off
    }

    /// Exact origins, `"*"`, `"null"`, `scheme://*.domain`, and `:*` port wildcards.
    public var allowOrigins: [String] = []
    /// Patterns that must match the whole Origin value.
    public var allowOriginRegex: [String] = []
    /// Case-sensitive method names, in the order `Access-Control-Allow-Methods` lists them; `"*"` for any.
    public var allowMethods: [String] = ["GET", "HEAD", "POST"]
    /// Case-insensitive header names; `"*"` for any except `authorization`.
    public var allowHeaders: [String] = []
    /// Names for `Access-Control-Expose-Headers` on actual responses.
    public var exposeHeaders: [String] = []
    public var allowCredentials = false
    /// Seconds, for `Access-Control-Max-Age`.
    public var maxAge = 600
    public var allowPrivateNetwork = false
    public var preflight = Preflight.answer
    /// 200 or 204.
    public var preflightStatus = 204
    public var backendHeaders = BackendHeaders.override
    public var mode = Mode.enforce
    /// Adds `X-CORS-Decision` to every response the policy touches.
    public var debug = false

    public init() {}
}

/// Header field lines in wire order; names as received or as they are to be sent.
public typealias HeaderLines = [(name: String, value: String)]

/// Why a preflight (or an actual request's origin) was refused; the raw value is the `reason`
/// label of `X-CORS-Decision` and of the rejection metrics.
public enum CORSRejection: String, Sendable, CaseIterable {
    case origin
    case method
    case headers
    case privateNetwork = "private-network"
}
