import CORSPolicy
import CookiePolicy

// The whole-file pass: top-level sections, then each route on its own, then the rules that
// span routes. Top-level errors reject the file; a route's errors reject only that route
// (SPEC §9), so every issue under `routes[i]` is kept with route i.

struct ConfigAnalysis: Sendable {
    static let rootKeys = ["listen", "admin", "probes", "limits", "backends", "defaults", "routes"]

    /// nil when there are top-level errors; otherwise holds only the valid routes.
    var config: GatewayConfig?
    /// The file index of each route in `config.routes`.
    var validRouteIndices: [Int] = []
    var topLevelErrors: [ConfigIssue] = []
    var routeErrors: [RouteIssues] = []
    var warnings: [ConfigIssue] = []

    init(_ document: ParsedDocument) {
        var top = Diagnostics()
        var routes: [RouteOutcome] = []
        let sections = ConfigAnalysis.decode(document.root, &top, &routes)

        // A key repeated inside an object is reported where the repetition is.
        for duplicate in document.duplicateKeys {
            if let index = duplicate.path.routeIndex, routes.indices.contains(index) {
                routes[index].diagnostics.error(duplicate.path, duplicate.message)
            } else {
                top.error(duplicate.path, duplicate.message)
            }
        }

        topLevelErrors = top.errors
        warnings = top.warnings + routes.flatMap(\.diagnostics.warnings)
        var validRoutes: [RouteConfig] = []
        for (index, outcome) in routes.enumerated() {
            if outcome.diagnostics.errors.isEmpty, let route = outcome.config {
                validRoutes.append(route)
                validRouteIndices.append(index)
            } else {
                routeErrors.append(RouteIssues(routeIndex: index, routeName: outcome.name, errors: outcome.diagnostics.errors))
            }
        }
        if topLevelErrors.isEmpty, var config = sections {
            config.routes = validRoutes
            self.config = config
        }
    }

    /// One route as decoded, before it is judged valid or not.
    private struct RouteOutcome {
        var config: RouteConfig?
        /// The name when it is at least a string, so errors can say which route they belong to.
        var name: String?
        var diagnostics: Diagnostics
    }

    /// Decodes the top-level sections into a config without routes, and each route into `routes`.
    private static func decode(_ document: JSONValue, _ top: inout Diagnostics, _ routes: inout [RouteOutcome]) -> GatewayConfig? {
        guard let root = ObjectReader(document, at: .root, allowed: rootKeys, &top) else { return nil }
        let listen = listen(root, &top)
        let admin = admin(root, listen: listen, &top)
        let probes = Self.probes(root, listen: listen, admin: admin, &top)
        let limits = root.read("limits", &top, Limits.decode) ?? Limits()
        let backends = root.require("backends", expecting: "an object of backend definitions", &top, backends)
        let defaults = root.read("defaults", &top, Defaults.decode)
        let defaultCORS = defaults?.cors.flatMap { corsDefaults($0, &top) }
        let defaultCookies = defaults?.cookies.flatMap { cookieDefaults($0, &top) }

        let routesPath = root.path.key("routes")
        switch root.value("routes") {
        case .array(let elements)?:
            if elements.isEmpty { top.warning(routesPath, "no routes are defined; every request gets 404 no_route") }
            for (index, element) in elements.enumerated() {
                routes.append(route(element, at: routesPath.index(index), backends: backends, defaultCORS: defaultCORS,
                                    defaultCookies: defaultCookies, earlier: routes))
            }
        case let value?:
            top.error(routesPath, "expected an array of routes, got \(value.kindDescription)")
        case nil:
            top.error(routesPath, "required key is missing; expected an array of routes")
        }
        return GatewayConfig(listen: listen, admin: admin, probes: probes, limits: limits, backends: backends?.configs ?? [:], defaults: defaults, routes: [])
    }

    private static func route(
        _ element: JSONValue, at path: JSONPath, backends: Backends?, defaultCORS: CORSFields?, defaultCookies: CookieFields?,
        earlier: [RouteOutcome]
    ) -> RouteOutcome {
        var diagnostics = Diagnostics()
        let config = RouteConfig.decode(element, path, &diagnostics)
        if case .object? = element["cors"] {
            // The route's fields are checked on their own, then merged over defaults.cors for the
            // rules that span fields (skipped when a field is already wrong, to avoid echoes).
            let errorsBefore = diagnostics.errors.count
            if let fields = CORSFields.decode(element["cors"] ?? .null, path.key("cors"), &diagnostics),
               diagnostics.errors.count == errorsBefore {
                fields.merged(over: defaultCORS).checkCombinations(owner: .route, &diagnostics)
            }
        }
        let name: String? = if case .string(let name)? = element["name"] { name } else { nil }
        cookies(element, at: path, name: name, defaultCORS: defaultCORS, defaultCookies: defaultCookies, &diagnostics)
        if let name, let first = earlier.firstIndex(where: { $0.name == name }) {
            diagnostics.error(path.key("name"), "duplicate route name; routes[\(first)] is already named \(ConfigRules.quoted(name)) and names must be unique")
        }
        // Checked against every key under `backends`, so a backend that is itself invalid
        // (a top-level error) does not also fail the routes that use it.
        if let backends, case .string(let backend)? = element["backend"], !backends.names.contains(backend) {
            let defined = backends.names.sorted().joined(separator: ", ")
            diagnostics.error(path.key("backend"), "unknown backend \(ConfigRules.quoted(backend)); "
                + (defined.isEmpty ? "no backends are defined" : "defined backends: \(defined)"))
        }
        return RouteOutcome(config: config, name: name, diagnostics: diagnostics)
    }

    /// `defaults.cors`: its problems are top-level (they concern every route).
    private static func corsDefaults(_ value: JSONValue, _ top: inout Diagnostics) -> CORSFields? {
        let errorsBefore = top.errors.count
        guard let fields = CORSFields.decode(value, JSONPath.root.key("defaults").key("cors"), &top) else { return nil }
        if top.errors.count == errorsBefore { fields.checkCombinations(owner: .defaults, &top) }
        return fields
    }

    /// `defaults.cookies`: its problems are top-level (they concern every route).
    private static func cookieDefaults(_ value: JSONValue, _ top: inout Diagnostics) -> CookieFields? {
        let errorsBefore = top.errors.count
        guard let fields = CookieFields.decode(value, JSONPath.root.key("defaults").key("cookies"), &top) else { return nil }
        if top.errors.count == errorsBefore { fields.checkCombinations(owner: .defaults, &top) }
        return fields
    }

    /// A route's `cookies`, checked on its own, then merged over defaults.cookies for the rules
    /// that span fields; and the warning for credentialed routes whose cookies cannot be Secure.
    private static func cookies(
        _ element: JSONValue, at path: JSONPath, name: String?, defaultCORS: CORSFields?, defaultCookies: CookieFields?,
        _ diagnostics: inout Diagnostics
    ) {
        var merged = defaultCookies
        if case .object? = element["cookies"] {
            let errorsBefore = diagnostics.errors.count
            guard let fields = CookieFields.decode(element["cookies"] ?? .null, path.key("cookies"), &diagnostics),
                  diagnostics.errors.count == errorsBefore else { return }
            merged = fields.merged(over: defaultCookies)
            merged?.checkCombinations(owner: .route, &diagnostics)
        }
        // With credentials and sameSite null, cookies without SameSite get SameSite=None (SPEC §6),
        // which browsers refuse on a cookie without Secure.
        guard let merged, let secure = merged.secure, !secure.value, merged.sameSite?.value == nil else { return }
        var cors = defaultCORS
        if case .object? = element["cors"] {
            var ignored = Diagnostics()
            cors = CORSFields.decode(element["cors"] ?? .null, path.key("cors"), &ignored)?.merged(over: defaultCORS)
        }
        guard let cors, cors.mode?.value != .off, cors.allowCredentials?.value == true else { return }
        let route = name.map { "route \(ConfigRules.quoted($0))" } ?? path.description
        diagnostics.warning(secure.path, "\(route) allows credentials and leaves sameSite null, so its cookies without a SameSite get SameSite=None, which browsers refuse without Secure; set secure true, or an explicit sameSite")
    }

    private static func listen(_ root: ObjectReader, _ top: inout Diagnostics) -> [ListenEntry] {
        guard let value = root.value("listen") else { return GatewayConfig.defaultListen }
        return ListenFields.decode(value, root.path.key("listen"), &top)
    }

    private static func admin(_ root: ObjectReader, listen: [ListenEntry], _ top: inout Diagnostics) -> String? {
        let path = root.path.key("admin")
        let admin: String
        switch root.value("admin") {
        case nil:
            admin = GatewayConfig.defaultAdmin
        case .null?:
            return nil
        case .string(let text)?:
            admin = text
        case let value?:
            top.error(path, "expected a \"host:port\" string, or null to disable the admin API; got \(value.kindDescription)")
            return nil
        }
        switch ListenAddress.parse(admin) {
        case .failure(let violation):
            top.error(path, violation.message)
        case .success(let address):
            if address.port != 0, let clash = listen.firstIndex(where: { $0.listenAddress == address }) {
                let which = root.value("admin") == nil ? "the default admin address \(admin)" : "the admin address"
                top.error(path, "\(which) is also listen[\(clash)]; allowed: another address, or null to disable the admin API")
            }
        }
        return admin
    }

    /// Every backend key (valid or not, for route references) and the definitions that decoded.
    private struct Backends {
        var names: Set<String> = []
        var configs: [String: BackendConfig] = [:]
    }

    private static func backends(_ value: JSONValue, _ path: JSONPath, _ top: inout Diagnostics) -> Backends? {
        guard case .object(let members) = value else {
            top.error(path, "expected an object of backend definitions, got \(value.kindDescription)")
            return nil
        }
        var backends = Backends()
        for (name, definition) in members {
            backends.names.insert(name)
            if let problem = ConfigRules.nameProblem(name, of: "backend") { top.error(path.key(name), problem) }
            if let backend = BackendConfig.decode(definition, path.key(name), &top) { backends.configs[name] = backend }
        }
        return backends
    }
}
