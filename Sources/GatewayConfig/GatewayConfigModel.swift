// The gateway.json model (SPEC §3), one type per JSON object, with the SPEC's defaults.
// Values here are as the operator wrote them (hosts keep their case, header names their
// spelling); normalisation happens when routes are compiled. Only `ConfigLoader` produces
// validated instances; building one in code is for tests and goes through `ConfigLoader.load(config:)`.

public struct GatewayConfig: Sendable, Equatable {
    public static let defaultListen = [ListenEntry(address: "0.0.0.0:8080")]
    public static let defaultAdmin = "127.0.0.1:9901"

    /// Where to accept clients: "host:port" (IPv6 as "[::1]:8080"), each with or without TLS.
    public var listen: [ListenEntry]
    /// The admin listener's "host:port"; nil when the file sets `"admin": null`.
    public var admin: String?
    /// The probes listener's "host:port" (SPEC §14); nil, the default, when there is none.
    public var probes: String?
    public var limits: Limits
    public var backends: [String: BackendConfig]
    public var defaults: Defaults?
    /// Routes in file order. A loaded config holds only the routes that validated.
    public var routes: [RouteConfig]

    public init(
        listen: [ListenEntry] = GatewayConfig.defaultListen,
        admin: String? = GatewayConfig.defaultAdmin,
        probes: String? = nil,
        limits: Limits = Limits(),
        backends: [String: BackendConfig] = [:],
        defaults: Defaults? = nil,
        routes: [RouteConfig] = []
    ) {
        self.listen = listen
        self.admin = admin
        self.probes = probes
        self.limits = limits
        self.backends = backends
        self.defaults = defaults
        self.routes = routes
    }
}

public struct Limits: Sendable, Equatable {
    /// All request header lines together; over → 431.
    public var maxRequestHeaderBytes: Int
    /// Header count; over → 431.
    public var maxRequestHeaders: Int
    /// Over → 413, also when chunked.
    public var maxRequestBodyBytes: Int
    /// A backend response head over this → 502.
    public var maxResponseHeaderBytes: Int
    /// The whole request head must arrive in this time → 408.
    public var headerTimeoutMs: Int
    /// Keep-alive idle time.
    public var idleTimeoutMs: Int
    /// A request body must arrive within this of its head → 408 `body_timeout` (SPEC §11).
    public var bodyTimeoutMs: Int
    /// A connection stops reading while this many requests wait behind the one being answered (SPEC §11).
    public var maxPipelinedRequests: Int
    /// Connections beyond this are closed at once.
    public var maxConnections: Int
    /// What an encoded `/` or `\` (`%2F`, `%5C`) in a request path gets (SPEC §11).
    public var encodedSlashes: EncodedSlashes

    public enum EncodedSlashes: String, Sendable, CaseIterable {
        /// 400: a backend that decodes it would see another path than the one routed.
        case reject
        /// Passed on still encoded; never a separator for routing or dot-segments.
        case keep
    }

    /// What a request header whose name contains `_` gets (SPEC §11).
    public var underscoreHeaders: UnderscoreHeaders

    /// CGI and WSGI servers turn `-` and `_` alike into `_` (`HTTP_X_FORWARDED_FOR`), so a
    /// backend behind them cannot tell `X_Forwarded_For` from the gateway's `X-Forwarded-For`.
    public enum UnderscoreHeaders: String, Sendable, CaseIterable {
        /// Removed before forwarding (nginx's default, `underscores_in_headers off`).
        case drop
        /// The request is answered 400 `bad_request`.
        case reject
        /// Forwarded like any other header.
        case allow
    }

    public init(
        maxRequestHeaderBytes: Int = 15360,
        maxRequestHeaders: Int = 90,
        maxRequestBodyBytes: Int = 6_291_456,
        maxResponseHeaderBytes: Int = 15360,
        headerTimeoutMs: Int = 10000,
        idleTimeoutMs: Int = 60000,
        bodyTimeoutMs: Int = 60000,
        maxPipelinedRequests: Int = 16,
        maxConnections: Int = 10000,
        encodedSlashes: EncodedSlashes = .reject,
        underscoreHeaders: UnderscoreHeaders = .drop
    ) {
        self.maxRequestHeaderBytes = maxRequestHeaderBytes
        self.maxRequestHeaders = maxRequestHeaders
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.maxResponseHeaderBytes = maxResponseHeaderBytes
        self.headerTimeoutMs = headerTimeoutMs
        self.idleTimeoutMs = idleTimeoutMs
        self.bodyTimeoutMs = bodyTimeoutMs
        self.maxPipelinedRequests = maxPipelinedRequests
        self.maxConnections = maxConnections
        self.encodedSlashes = encodedSlashes
        self.underscoreHeaders = underscoreHeaders
    }
}

public struct BackendConfig: Sendable, Equatable {
    /// http:// or https:// with a host, optional port and optional base path.
    public var url: String
    /// An exact semver ("1.2.0") or "classic"; see SPEC §5.
    public var runtimeHandler: String?
    /// A package.json path whose `@twilio/runtime-handler` dependency gives the version.
    public var packageJson: String?
    /// Connect failure/refusal within this time → 502.
    public var connectTimeoutMs: Int
    /// No response head within this time → 504.
    public var responseTimeoutMs: Int
    /// While a body is moving (request upstream, response to the client), no byte in that
    /// direction for this long ends the exchange (SPEC §11); not `Limits.idleTimeoutMs`.
    public var idleTimeoutMs: Int
    /// Longest wait for one of `maxConnections` slots → 503 `upstream_busy` (SPEC §11).
    public var queueTimeoutMs: Int
    /// Pooled, reused connections to this backend.
    public var maxConnections: Int
    /// PEM bundle to trust for an https backend; nil means the system store.
    public var caFile: String?

    public init(
        url: String,
        runtimeHandler: String? = nil,
        packageJson: String? = nil,
        connectTimeoutMs: Int = 2000,
        responseTimeoutMs: Int = 30000,
        idleTimeoutMs: Int = 60000,
        queueTimeoutMs: Int = 5000,
        maxConnections: Int = 256,
        caFile: String? = nil
    ) {
        self.url = url
        self.runtimeHandler = runtimeHandler
        self.packageJson = packageJson
        self.connectTimeoutMs = connectTimeoutMs
        self.responseTimeoutMs = responseTimeoutMs
        self.idleTimeoutMs = idleTimeoutMs
        self.queueTimeoutMs = queueTimeoutMs
        self.maxConnections = maxConnections
        self.caFile = caFile
    }
}

/// Field-level defaults for every route's `cors` and `cookies`.
public struct Defaults: Sendable, Equatable {
    /// A JSON object (SPEC §4), kept as written (for /config); validated by the loader, which
    /// merges it under every route's `cors` (see `CompiledRoute.cors`, `RouteTable.defaultCORS`).
    public var cors: JSONValue?
    /// A JSON object (SPEC §6), kept as written (for /config); validated by the loader, which
    /// merges it under every route's `cookies` (see `CompiledRoute.cookies`).
    public var cookies: JSONValue?

    public init(cors: JSONValue? = nil, cookies: JSONValue? = nil) {
        self.cors = cors
        self.cookies = cookies
    }
}

public struct RouteConfig: Sendable, Equatable {
    /// Unique among routes; the identity a per-route reload compares by.
    public var name: String
    public var match: RouteMatch
    /// The key of an entry in `backends`.
    public var backend: String
    public var rewrite: Rewrite?
    /// A JSON object (SPEC §4), kept as written (for /config); validated by the loader and
    /// compiled, merged over `defaults.cors`, into `CompiledRoute.cors`.
    public var cors: JSONValue?
    /// A JSON object (SPEC §6), kept as written (for /config); validated by the loader and
    /// compiled, merged over `defaults.cookies`, into `CompiledRoute.cookies`.
    public var cookies: JSONValue?
    public var headers: HeaderRules?

    public init(
        name: String,
        match: RouteMatch,
        backend: String,
        rewrite: Rewrite? = nil,
        cors: JSONValue? = nil,
        cookies: JSONValue? = nil,
        headers: HeaderRules? = nil
    ) {
        self.name = name
        self.match = match
        self.backend = backend
        self.rewrite = rewrite
        self.cors = cors
        self.cookies = cookies
        self.headers = headers
    }
}

/// Exactly one of `path` and `pathPrefix` is set in a valid config.
public struct RouteMatch: Sendable, Equatable {
    /// nil matches any host.
    public var hosts: [String]?
    public var path: String?
    public var pathPrefix: String?
    /// nil matches any method.
    public var methods: [String]?

    public init(hosts: [String]? = nil, path: String? = nil, pathPrefix: String? = nil, methods: [String]? = nil) {
        self.hosts = hosts
        self.path = path
        self.pathPrefix = pathPrefix
        self.methods = methods
    }
}

public struct Rewrite: Sendable, Equatable {
    /// Removed, segment-aware, from the request path before the backend's base path is prepended.
    public var stripPrefix: String?

    public init(stripPrefix: String? = nil) {
        self.stripPrefix = stripPrefix
    }
}

public struct HeaderRules: Sendable, Equatable {
    public var request: HeaderEdits?
    public var response: HeaderEdits?

    public init(request: HeaderEdits? = nil, response: HeaderEdits? = nil) {
        self.request = request
        self.response = response
    }
}

public struct HeaderEdits: Sendable, Equatable {
    /// Headers to set, in file order, names spelled as in the file.
    public var set: [(name: String, value: String)]
    /// Header names to remove, as written.
    public var remove: [String]

    public init(set: [(name: String, value: String)] = [], remove: [String] = []) {
        self.set = set
        self.remove = remove
    }

    public static func == (lhs: HeaderEdits, rhs: HeaderEdits) -> Bool {
        lhs.remove == rhs.remove && lhs.set.count == rhs.set.count
            && zip(lhs.set, rhs.set).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}
