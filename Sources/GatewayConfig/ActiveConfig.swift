/// One route as it is served: the compiled version in force, the config generation that
/// installed it, and, when the file's latest definition of it was rejected, why (SPEC §9:
/// the route is then *stale* and keeps serving this version).
public struct RouteState: Sendable {
    public let route: CompiledRoute
    public let generation: Int
    /// The errors of the definition that was refused; empty while the route is active.
    public let staleErrors: [ConfigIssue]

    public var isStale: Bool { !staleErrors.isEmpty }

    public init(route: CompiledRoute, generation: Int, staleErrors: [ConfigIssue] = []) {
        self.route = route
        self.generation = generation
        self.staleErrors = staleErrors
    }
}

/// What the gateway runs: the routes with their generations, the table built from them, and
/// the file they came from. A reload compares a newly read file with this (`ReloadPlanner`).
public struct ActiveConfig: Sendable {
    /// Starts at 1; a reload that changes anything that runs adds one.
    public let generation: Int
    /// "sha256:<hex>" of the bytes of the last file that was read and applied (in part or whole).
    public let hash: String
    /// The top-level sections in force. `listen`, `admin` and `probes` are the ones bound at
    /// start: changing them needs a restart (a TLS listener's certificates and ALPN do not).
    public let listen: [ListenEntry]
    public let admin: String?
    public let probes: String?
    public let limits: Limits
    public let defaults: Defaults?
    public let backends: [String: BackendConfig]
    /// In match order.
    public let routes: [RouteState]
    public let table: RouteTable

    /// The config a valid file describes, as generation 1.
    public init?(startingWith result: ConfigLoadResult, hash: String) {
        guard result.isValid, let config = result.config, let table = result.table else { return nil }
        self.init(
            generation: 1, hash: hash, listen: config.listen, admin: config.admin, probes: config.probes, limits: config.limits,
            defaults: config.defaults, backends: config.backends,
            routes: table.routes.map { RouteState(route: $0, generation: 1) }, table: table
        )
    }

    init(
        generation: Int, hash: String, listen: [ListenEntry], admin: String?, probes: String?, limits: Limits, defaults: Defaults?,
        backends: [String: BackendConfig], routes: [RouteState], table: RouteTable
    ) {
        self.generation = generation
        self.hash = hash
        self.listen = listen
        self.admin = admin
        self.probes = probes
        self.limits = limits
        self.defaults = defaults
        self.backends = backends
        self.routes = routes
        self.table = table
    }
}
