import CORSPolicy
import CookiePolicy

/// Header edits ready to apply: names to remove lowercased for case-insensitive comparison,
/// names to set as the file spells them (that is what goes on the wire).
public struct CompiledHeaderEdits: Sendable {
    public let set: [(name: String, value: String)]
    public let remove: [String]

    public var isEmpty: Bool { self.set.isEmpty && remove.isEmpty }

    init(_ edits: HeaderEdits?) {
        set = edits?.set ?? []
        remove = edits?.remove.map { $0.lowercased() } ?? []
    }
}

/// A validated route, normalised once so that matching a request does not allocate.
public final class CompiledRoute: Sendable {
    public let name: String
    /// The definition it was compiled from (reload compares these).
    public let config: RouteConfig
    /// nil matches any host.
    public let hostPatterns: [HostPattern]?
    public let pathMatch: PathMatch
    /// nil matches any method; case-sensitive.
    public let methods: [String]?
    public let backend: CompiledBackend
    /// As configured; stripping uses its segment-aware form.
    public let stripPrefix: String?
    public let requestHeaders: CompiledHeaderEdits
    public let responseHeaders: CompiledHeaderEdits
    /// The effective CORS policy (the route's `cors` over `defaults.cors`); nil when CORS is off
    /// for the route (neither is set, or `mode` is `off`). A report-only route has a policy
    /// whose `config.mode` is `.reportOnly`.
    public let cors: CORSPolicy?
    /// The effective cookie policy (SPEC §6: the route's `cookies` over `defaults.cookies` over
    /// the SPEC defaults); always present. SameSite=None for cookies without one when `cors`
    /// allows credentials.
    public let cookies: CookiePolicy

    /// A GET route serves HEAD too, as every origin server must (RFC 9110 §9.3.2).
    private let admitsHead: Bool
    /// `stripPrefix` without its trailing "/", so the remainder keeps its leading "/".
    private let strippedPrefix: String?
    /// Byte forms of the patterns: matching compares arrays, several times faster than String views.
    private let pathBytes: [UInt8]
    private let pathIsPrefix: Bool
    private let hostBytes: [(bytes: [UInt8], isWildcard: Bool)]?

    /// `config` must have passed validation, and `backend` be the backend it names.
    init(config: RouteConfig, backend: CompiledBackend, cors: CORSPolicy?, cookies: CookiePolicy) {
        self.name = config.name
        self.config = config
        self.hostPatterns = config.match.hosts?.map { host in
            guard case .success(let parsed) = HostPattern.parse(host) else {
                preconditionFailure("route \(config.name) was compiled without being validated")
            }
            return parsed.pattern
        }
        if let path = config.match.path {
            self.pathMatch = .exact(path)
        } else {
            self.pathMatch = .prefix(config.match.pathPrefix ?? "/")
        }
        switch pathMatch {
        case .exact(let path): (pathBytes, pathIsPrefix) = (Array(path.utf8), false)
        case .prefix(let prefix): (pathBytes, pathIsPrefix) = (Array(prefix.utf8), true)
        }
        self.hostBytes = hostPatterns?.map { pattern in
            switch pattern {
            case .exact(let host): (Array(host.utf8), false)
            case .wildcard(let domain): (Array(domain.utf8), true)
            }
        }
        self.methods = config.match.methods
        self.admitsHead = config.match.methods?.contains("GET") == true
        self.backend = backend
        self.stripPrefix = config.rewrite?.stripPrefix
        self.strippedPrefix = stripPrefix.map { prefix in
            prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        }
        self.requestHeaders = CompiledHeaderEdits(config.headers?.request)
        self.responseHeaders = CompiledHeaderEdits(config.headers?.response)
        self.cors = cors
        self.cookies = cookies
    }

    /// Whether a request is for this route. `host` is the Host header as received (port and case
    /// are ignored); `path` is the request path, with or without its query string.
    public func matches(host: String?, path: String, method: String) -> Bool {
        matches(host: requestHostKey((host ?? "").utf8), path: pathWithoutQuery(path.utf8), method: method)
    }

    /// `host` is already a `requestHostKey` (empty when the request had none), `path` has no query.
    func matches(host: some Collection<UInt8>, path: some Collection<UInt8>, method: String) -> Bool {
        // Path first: it is the cheapest test and rules out most routes.
        guard pathIsPrefix ? segmentPrefix(pathBytes, matches: path) : path.elementsEqual(pathBytes) else { return false }
        if let methods, !methods.contains(method), !(admitsHead && method == "HEAD") { return false }
        guard let hostBytes else { return true }
        return hostBytes.contains { hostMatches($0.bytes, isWildcard: $0.isWildcard, host: host) }
    }

    /// The request target to send upstream: the backend's base path, then the request path
    /// with `stripPrefix` removed (at a segment boundary; "/" when nothing is left), then
    /// "?" and the query byte for byte when the request had one, even an empty one.
    /// `path` must be without its query. Example: base "/base", stripPrefix "/fn":
    /// "/fn/hello" + "a=1" → "/base/hello?a=1"; "/fn" → "/base/".
    public func upstreamTarget(path: String, query: String?) -> String {
        var remainder = Substring(path)
        if let strippedPrefix, segmentPrefix(strippedPrefix.utf8, matches: path.utf8) {
            remainder = path[path.utf8.index(path.utf8.startIndex, offsetBy: strippedPrefix.utf8.count)...]
        }
        var target = ""
        target.reserveCapacity(backend.basePath.utf8.count + remainder.utf8.count + 2 + (query?.utf8.count ?? 0))
        target += backend.basePath
        target += remainder.isEmpty ? "/" : remainder
        if let query {
            target += "?"
            target += query
        }
        return target
    }
}

/// Routing ignores the query: "/fn?x=1" is matched as "/fn".
func pathWithoutQuery<Bytes: Collection<UInt8>>(_ path: Bytes) -> Bytes.SubSequence {
    path[..<(path.firstIndex(of: UInt8(ascii: "?")) ?? path.endIndex)]
}
