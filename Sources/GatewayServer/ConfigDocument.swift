import GatewayConfig

/// The body of `GET /config` (SPEC §8): what runs, route by route, with where it came from.
enum ConfigDocument {
    static func render(
        active: ActiveConfig, lastReload: ReloadReport?, source: String, runtimes: BackendRuntimes, tls: [JSONValue] = []
    ) -> JSONValue {
        let routes: [JSONValue] = active.routes.map { state in
            let route = state.route
            // `config` is the route as written; `effective` merges `defaults` in (a stale
            // route keeps the policies it was compiled with).
            return .object([
                ("name", .string(route.name)),
                ("generation", .number(Double(state.generation))),
                ("status", .string(state.isStale ? "stale" : "active")),
                ("errors", .array(state.staleErrors.map { .string($0.description) })),
                ("config", route.config.jsonValue),
                ("effective", .object([
                    ("cors", route.cors?.config.jsonValue ?? .null),
                    ("cookies", route.cookies.config.jsonValue),
                ])),
            ])
        }
        let problems = runtimes.problems
        let backends: [(key: String, value: JSONValue)] = active.backends.sorted { $0.key < $1.key }.map { name, config in
            var members: [(key: String, value: JSONValue)] = [("config", config.jsonValue)]
            if let version = runtimes.version(of: name) {
                members.append(("runtimeHandler", .string(version.description)))
            }
            if let problem = problems[name] { members.append(("problem", .string(problem))) }
            return (name, .object(members))
        }
        return .object([
            ("source", .string(source)),
            ("hash", .string(active.hash)),
            ("generation", .number(Double(active.generation))),
            ("lastReload", lastReload?.jsonValue ?? .null),
            ("routes", .array(routes)),
            ("backends", .object(backends)),
            ("limits", active.limits.jsonValue),
            // SPEC §12: what each TLS listener serves, and why a new pair was refused.
            ("tls", .array(tls)),
        ])
    }
}
