/// A reload's decision and, unless the file was rejected, the config to run next.
public struct ReloadOutcome: Sendable {
    public let report: ReloadReport
    /// nil when the file was rejected as a whole: what runs stays as it is.
    public let next: ActiveConfig?
}

/// Compares a newly read gateway.json with what runs, route by route (SPEC §9). Pure: the
/// caller reads the file, resolves backend runtimes and swaps the snapshot.
public enum ReloadPlanner {
    public static func plan(_ loaded: ConfigLoadResult, hash: String, over active: ActiveConfig) -> ReloadOutcome {
        guard let config = loaded.config, let table = loaded.table else {
            return ReloadOutcome(report: .rejected(errors: loaded.topLevelErrors, generation: active.generation, hash: hash), next: nil)
        }
        let nextGeneration = active.generation + 1
        var report = ReloadReport(result: .unchanged, generation: active.generation, hash: hash)
        var running: [String: RouteState] = [:]
        for state in active.routes { running[state.route.name] = state }

        // Walk the file's routes in order; the loader keeps only the valid ones in `table`,
        // and names the rejected ones by their position.
        let rejectedByIndex = Dictionary(loaded.routeErrors.map { ($0.routeIndex, $0) }, uniquingKeysWith: { first, _ in first })
        var validRoutes = table.routes.makeIterator()
        var next: [RouteState] = []
        var named = Set<String>()
        for index in 0..<(table.routes.count + loaded.routeErrors.count) {
            if let issues = rejectedByIndex[index] {
                report.rejected.append(.init(route: issues.routeName ?? "routes[\(index)]", errors: issues.errors.map(\.description)))
                // A rejected route keeps serving its previous version; a new one is not added.
                if let name = issues.routeName, let previous = running[name], named.insert(name).inserted {
                    next.append(RouteState(route: previous.route, generation: previous.generation, staleErrors: issues.errors))
                }
                continue
            }
            guard let route = validRoutes.next() else { break }
            named.insert(route.name)
            guard let previous = running[route.name] else {
                report.added.append(route.name)
                next.append(RouteState(route: route, generation: nextGeneration))
                continue
            }
            if previous.route.behavesLike(route) {
                // Unchanged routes keep their compiled state (and generation).
                report.unchanged.append(route.name)
                next.append(RouteState(route: previous.route, generation: previous.generation))
            } else {
                report.applied.append(route.name)
                next.append(RouteState(route: route, generation: nextGeneration))
            }
        }
        report.removed = active.routes.map(\.route.name).filter { !named.contains($0) }

        // Backends: the file's, plus any a stale route still needs after the file dropped it.
        var backends = table.backends
        var backendConfigs = config.backends
        for state in next where state.isStale && backends[state.route.backend.name] == nil {
            backends[state.route.backend.name] = state.route.backend
            backendConfigs[state.route.backend.name] = state.route.backend.config
        }
        report.backendsAdded = backendConfigs.keys.filter { active.backends[$0] == nil }.sorted()
        report.backendsRemoved = active.backends.keys.filter { backendConfigs[$0] == nil }.sorted()
        report.backendsChanged = backendConfigs.filter { name, backend in
            active.backends[name].map { $0 != backend } ?? false
        }.keys.sorted()

        if config.limits != active.limits { report.settings.append("limits") }
        if config.defaults != active.defaults { report.settings.append("defaults") }
        // Addresses, and whether each speaks TLS, are bound at start; certificates and ALPN
        // apply to the next handshakes (SPEC §12).
        let sameBindings = config.listen.map(\.binding) == active.listen.map(\.binding)
        if !sameBindings { report.needsRestart.append("listen") }
        let listen = sameBindings ? config.listen : active.listen
        if listen != active.listen { report.settings.append("tls") }
        if config.admin != active.admin { report.needsRestart.append("admin") }
        if config.probes != active.probes { report.needsRestart.append("probes") }

        let changed = !(report.applied.isEmpty && report.added.isEmpty && report.removed.isEmpty && report.settings.isEmpty
            && report.backendsAdded.isEmpty && report.backendsChanged.isEmpty && report.backendsRemoved.isEmpty)
        if changed { report.generation = nextGeneration }
        if !report.rejected.isEmpty {
            report.result = .partial
        } else if changed {
            report.result = .applied
        }
        let nextActive = ActiveConfig(
            generation: report.generation, hash: hash, listen: listen, admin: active.admin, probes: active.probes,
            limits: config.limits, defaults: config.defaults, backends: backendConfigs, routes: next,
            table: RouteTable(routes: next.map(\.route), backends: backends, defaultCORS: table.defaultCORS)
        )
        return ReloadOutcome(report: report, next: nextActive)
    }
}

extension CompiledRoute {
    /// Same definition and same effective policies and backend: `defaults` or a backend can
    /// change a route whose own JSON did not.
    func behavesLike(_ other: CompiledRoute) -> Bool {
        config == other.config && cors?.config == other.cors?.config && cookies.config == other.cookies.config
            && backend.name == other.backend.name && backend.config == other.backend.config
    }
}
