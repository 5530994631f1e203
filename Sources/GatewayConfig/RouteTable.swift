import CORSPolicy
import CookiePolicy

/// The compiled, immutable routing state of one configuration generation.
public struct RouteTable: Sendable {
    /// In file order; the first route that matches a request wins.
    public let routes: [CompiledRoute]
    /// Every defined backend by name, including ones no route uses yet.
    public let backends: [String: CompiledBackend]
    /// The policy of `defaults.cors` alone, for responses no route owns (404 no_route); nil when
    /// `defaults.cors` is not set or its mode is off.
    public let defaultCORS: CORSPolicy?

    /// `config` must have passed validation.
    init(config: GatewayConfig) {
        var backends: [String: CompiledBackend] = [:]
        for (name, backend) in config.backends {
            backends[name] = CompiledBackend(name: name, config: backend)
        }
        self.backends = backends
        let defaultsCORS = config.defaults?.cors
        self.defaultCORS = compilePolicy(CORSFields.effectiveConfig(route: nil, defaults: defaultsCORS), for: "defaults.cors")
        self.routes = config.routes.map { route in
            guard let backend = backends[route.backend] else {
                preconditionFailure("route \(route.name) names an unknown backend; it was compiled without being validated")
            }
            let cors = compilePolicy(CORSFields.effectiveConfig(route: route.cors, defaults: defaultsCORS), for: "route \(route.name)")
            let cookies = CookiePolicy(
                CookieFields.effectiveConfig(route: route.cookies, defaults: config.defaults?.cookies),
                routeAllowsCredentials: cors?.config.allowCredentials ?? false)
            return CompiledRoute(config: route, backend: backend, cors: cors, cookies: cookies)
        }
    }

    /// The first route that admits the request, or nil (→ 404 no_route).
    /// `host` is the Host header as received; `path` may still carry its query string.
    public func match(host: String?, path: String, method: String) -> CompiledRoute? {
        // Contiguous UTF-8 buffers make every comparison a plain byte loop; for native
        // strings `withUTF8` neither copies nor allocates.
        var path = path
        var host = host ?? ""
        return path.withUTF8 { pathBytes in
            host.withUTF8 { hostBytes in
                let pathKey = pathWithoutQuery(pathBytes)
                let hostKey = requestHostKey(hostBytes)
                return routes.first { $0.matches(host: hostKey, path: pathKey, method: method) }
            }
        }
    }

    /// A table assembled from routes compiled earlier (a reload keeps unchanged and stale
    /// routes as they were compiled).
    init(routes: [CompiledRoute], backends: [String: CompiledBackend], defaultCORS: CORSPolicy?) {
        self.routes = routes
        self.backends = backends
        self.defaultCORS = defaultCORS
    }

    public func route(named name: String) -> CompiledRoute? {
        routes.first { $0.name == name }
    }
}

/// A validated config's policy; nil when CORS is off. Validation compiled the same regexes, so
/// compiling cannot fail here.
private func compilePolicy(_ config: CORSConfig?, for owner: String) -> CORSPolicy? {
    guard let config, config.mode != .off else { return nil }
    do {
        return try CORSPolicy(config)
    } catch {
        preconditionFailure("\(owner): cors was compiled without being validated: \(error)")
    }
}
