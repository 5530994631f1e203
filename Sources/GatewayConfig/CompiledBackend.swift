/// What a backend runs, which decides the headers and cookies it may see (SPEC §5).
public enum BackendKind: Sendable, Equatable, Hashable {
    /// Neither runtimeHandler nor packageJson: an ordinary HTTP service (§5.3).
    case plain
    case functionRuntime(RuntimeHandlerSpec)
}

/// Where a function backend's runtime handler version comes from, as configured.
public enum RuntimeHandlerSpec: Sendable, Equatable, Hashable {
    /// Functions Classic, treated as below 1.2.0.
    case classic
    /// An exact semver string, validated but not yet interpreted.
    case version(String)
    /// A package.json path as written (relative paths are resolved by later work).
    case packageJson(path: String)
}

/// A validated backend, parsed once so requests never re-parse its URL.
public final class CompiledBackend: Sendable {
    /// The key under `backends`.
    public let name: String
    /// The definition it was compiled from (reload compares these).
    public let config: BackendConfig
    /// "http" or "https".
    public let scheme: String
    /// Lowercased; an IPv6 literal keeps its brackets.
    public let host: String
    /// The explicit port, or 80/443 by scheme.
    public let port: Int
    /// Without a trailing slash; "" when the URL has none.
    public let basePath: String
    /// "scheme://host[:port]" as configured; an upstream URL is this plus `CompiledRoute.upstreamTarget`.
    public let origin: String
    public let connectTimeoutMs: Int
    public let responseTimeoutMs: Int
    /// SPEC §11: the longest pause of a moving body, in either direction.
    public let idleTimeoutMs: Int
    /// SPEC §11: the longest wait for a `maxConnections` slot before 503 `upstream_busy`.
    public let queueTimeoutMs: Int
    public let maxConnections: Int
    public let caFile: String?
    public let kind: BackendKind

    /// The original `url`.
    public var url: String { config.url }

    /// `config` must have passed validation (its URL parses).
    init(name: String, config: BackendConfig) {
        guard case .success(let url) = BackendURL.parse(config.url) else {
            preconditionFailure("backend \(name) was compiled without being validated")
        }
        self.name = name
        self.config = config
        self.scheme = url.scheme
        self.host = url.host
        self.port = url.port
        self.basePath = url.basePath
        self.origin = "\(url.scheme)://\(url.host)" + (url.hasExplicitPort ? ":\(url.port)" : "")
        self.connectTimeoutMs = config.connectTimeoutMs
        self.responseTimeoutMs = config.responseTimeoutMs
        self.idleTimeoutMs = config.idleTimeoutMs
        self.queueTimeoutMs = config.queueTimeoutMs
        self.maxConnections = config.maxConnections
        self.caFile = config.caFile
        if let packageJson = config.packageJson {
            self.kind = .functionRuntime(.packageJson(path: packageJson))
        } else if let runtimeHandler = config.runtimeHandler {
            self.kind = .functionRuntime(runtimeHandler == "classic" ? .classic : .version(runtimeHandler))
        } else {
            self.kind = .plain
        }
    }
}
