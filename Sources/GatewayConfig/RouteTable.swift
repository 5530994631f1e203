/// The compiled, immutable routing state of one configuration generation.
public struct RouteTable: Sendable {
    /// In file order; the first route that matches a request wins.
    public let routes: [CompiledRoute]
    /// Every defined backend by name, including ones no route uses yet.
    public let backends: [String: CompiledBackend]

    /// `config` must have passed validation.
    init(config: GatewayConfig) {
        var backends: [String: CompiledBackend] = [:]
        for (name, backend) in config.backends {
            backends[name] = CompiledBackend(name: name, config: backend)
        }
        self.backends = backends
        self.routes = config.routes.map { route in
            guard let backend = backends[route.backend] else {
                preconditionFailure("route \(route.name) names an unknown backend; it was compiled without being validated")
            }
            return CompiledRoute(config: route, backend: backend)
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

    public func route(named name: String) -> CompiledRoute? {
        routes.first { $0.name == name }
    }
}
