// Decoding of each gateway.json section from JSONValue, with its value rules applied.
// A section decoder returns a value whenever it can build one; whether it is usable is
// decided by the caller from the errors left in `Diagnostics`.

extension Limits {
    static func decode(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> Limits? {
        let fields: [(key: String, field: WritableKeyPath<Limits, Int>)] = [
            ("maxRequestHeaderBytes", \.maxRequestHeaderBytes),
            ("maxRequestHeaders", \.maxRequestHeaders),
            ("maxRequestBodyBytes", \.maxRequestBodyBytes),
            ("maxResponseHeaderBytes", \.maxResponseHeaderBytes),
            ("headerTimeoutMs", \.headerTimeoutMs),
            ("idleTimeoutMs", \.idleTimeoutMs),
            ("maxConnections", \.maxConnections),
        ]
        let otherKeys = ["bodyTimeoutMs", "maxPipelinedRequests", "encodedSlashes", "underscoreHeaders"]
        guard let object = ObjectReader(value, at: path, allowed: fields.map(\.key) + otherKeys, &diagnostics) else { return nil }
        var limits = Limits()
        for (key, field) in fields {
            if let number = object.read(key, &diagnostics, JSONRead.positiveInteger) { limits[keyPath: field] = number }
        }
        // SPEC §11's fields, with their bounds (one hour at most, like the backend timeouts of §11).
        if let timeout = object.read("bodyTimeoutMs", &diagnostics, JSONRead.integer(in: BackendConfig.timeoutRangeMs)) {
            limits.bodyTimeoutMs = timeout
        }
        if let count = object.read("maxPipelinedRequests", &diagnostics, JSONRead.integer(in: 1...1024)) {
            limits.maxPipelinedRequests = count
        }
        if let mode = object.read("encodedSlashes", &diagnostics, JSONRead.enumeration(Limits.EncodedSlashes.self)) {
            limits.encodedSlashes = mode
        }
        if let mode = object.read("underscoreHeaders", &diagnostics, JSONRead.enumeration(Limits.UnderscoreHeaders.self)) {
            limits.underscoreHeaders = mode
        }
        return limits
    }
}

extension BackendConfig {
    static let keys = [
        "url", "runtimeHandler", "packageJson", "connectTimeoutMs", "responseTimeoutMs",
        "idleTimeoutMs", "queueTimeoutMs", "maxConnections", "caFile",
    ]
    /// SPEC §11's bounds for `idleTimeoutMs` and `queueTimeoutMs` (one hour at most);
    /// `connectTimeoutMs` and `responseTimeoutMs` predate it and take any positive integer.
    static let timeoutRangeMs = 1...3_600_000

    static func decode(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> BackendConfig? {
        guard let object = ObjectReader(value, at: path, allowed: keys, &diagnostics) else { return nil }
        let url = object.require("url", expecting: "an http:// or https:// URL", &diagnostics, JSONRead.string(checkedBy: { text in
            if case .failure(let violation) = BackendURL.parse(text) { return violation.message }
            return nil
        }))
        let runtimeHandler = object.read("runtimeHandler", &diagnostics, JSONRead.string(checkedBy: ConfigRules.runtimeHandlerProblem))
        let packageJson = object.read("packageJson", &diagnostics, JSONRead.string(checkedBy: { file in
            file.isEmpty || file.utf8.contains(0) ? "expected the path of a package.json file" : nil
        }))
        if object.value("runtimeHandler") != nil && object.value("packageJson") != nil {
            diagnostics.error(path, "runtimeHandler and packageJson are both set; allowed: one of them, or neither for a plain HTTP backend")
        }
        var backend = BackendConfig(url: url ?? "", runtimeHandler: runtimeHandler, packageJson: packageJson)
        if let timeout = object.read("connectTimeoutMs", &diagnostics, JSONRead.positiveInteger) { backend.connectTimeoutMs = timeout }
        if let timeout = object.read("responseTimeoutMs", &diagnostics, JSONRead.positiveInteger) { backend.responseTimeoutMs = timeout }
        if let timeout = object.read("idleTimeoutMs", &diagnostics, JSONRead.integer(in: timeoutRangeMs)) { backend.idleTimeoutMs = timeout }
        if let timeout = object.read("queueTimeoutMs", &diagnostics, JSONRead.integer(in: timeoutRangeMs)) { backend.queueTimeoutMs = timeout }
        if let count = object.read("maxConnections", &diagnostics, JSONRead.positiveInteger) { backend.maxConnections = count }
        backend.caFile = object.read("caFile", &diagnostics) { value, path, diagnostics in
            guard case .string(let file) = value, !file.isEmpty else {
                if value != .null {
                    diagnostics.error(path, "expected the path of a PEM file, or null for the system trust store; got \(value.kindDescription)")
                }
                return nil
            }
            return file
        }
        if backend.caFile != nil, let url, url.lowercased().hasPrefix("http://") {
            diagnostics.warning(path.key("caFile"), "ignored: the backend url is http://, and caFile only applies to https://")
        }
        return url == nil ? nil : backend
    }
}

extension Defaults {
    static func decode(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> Defaults? {
        guard let object = ObjectReader(value, at: path, allowed: ["cors", "cookies"], &diagnostics) else { return nil }
        return Defaults(
            cors: object.read("cors", &diagnostics, JSONRead.object),
            cookies: object.read("cookies", &diagnostics, JSONRead.object)
        )
    }
}

extension RouteConfig {
    static let keys = ["name", "match", "backend", "rewrite", "cors", "cookies", "headers"]

    /// Decodes one route on its own; cross-route rules (unique names, known backends) are the caller's.
    static func decode(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> RouteConfig? {
        guard let object = ObjectReader(value, at: path, allowed: keys, &diagnostics) else { return nil }
        let name = object.require("name", expecting: "a route name", &diagnostics, JSONRead.string(checkedBy: { name in
            ConfigRules.nameProblem(name, of: "route")
        }))
        let match = object.require("match", expecting: "an object with path or pathPrefix", &diagnostics, RouteMatch.decode)
        let backend = object.require("backend", expecting: "the name of a backend", &diagnostics, JSONRead.string)
        let rewrite = object.read("rewrite", &diagnostics, Rewrite.decode)
        let cors = object.read("cors", &diagnostics, JSONRead.object)
        let cookies = object.read("cookies", &diagnostics, JSONRead.object)
        let headers = object.read("headers", &diagnostics, HeaderRules.decode)

        if let stripPrefix = rewrite?.stripPrefix, let matched = match?.path ?? match?.pathPrefix,
           !segmentPrefix(stripPrefix.utf8, matches: matched.utf8) {
            let key = match?.path != nil ? "path" : "pathPrefix"
            diagnostics.error(path.key("rewrite").key("stripPrefix"),
                "\(ConfigRules.quoted(stripPrefix)) is not a whole-segment prefix of \(key) \(ConfigRules.quoted(matched)); allowed: a prefix ending at a \"/\" boundary of every path the route matches")
        }
        guard let name, let match, let backend else { return nil }
        return RouteConfig(name: name, match: match, backend: backend, rewrite: rewrite, cors: cors, cookies: cookies, headers: headers)
    }
}

extension RouteMatch {
    static func decode(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> RouteMatch? {
        guard let object = ObjectReader(value, at: path, allowed: ["hosts", "path", "pathPrefix", "methods"], &diagnostics) else { return nil }
        var match = RouteMatch()
        match.hosts = object.read("hosts", &diagnostics, JSONRead.stringArray(refusingEmpty: "an empty list matches no host; omit hosts to match any host"))
        for (index, host) in (match.hosts ?? []).enumerated() {
            switch HostPattern.parse(host) {
            case .failure(let violation):
                diagnostics.error(path.key("hosts").index(index), violation.message)
            case .success(let parsed) where parsed.hadPort:
                diagnostics.warning(path.key("hosts").index(index), "the port is ignored; hosts match the Host header without its port")
            case .success:
                break
            }
        }
        match.path = object.read("path", &diagnostics, JSONRead.string(checkedBy: ConfigRules.pathProblem))
        match.pathPrefix = object.read("pathPrefix", &diagnostics, JSONRead.string(checkedBy: ConfigRules.pathProblem))
        switch (object.value("path"), object.value("pathPrefix")) {
        case (nil, nil): diagnostics.error(path, "neither path nor pathPrefix is set; allowed: exactly one of them")
        case (.some, .some): diagnostics.error(path, "both path and pathPrefix are set; allowed: exactly one of them")
        default: break
        }
        match.methods = object.read("methods", &diagnostics, JSONRead.stringArray(refusingEmpty: "an empty list matches no method; omit methods to match any method"))
        for (index, method) in (match.methods ?? []).enumerated() {
            if let problem = ConfigRules.methodProblem(method) {
                diagnostics.error(path.key("methods").index(index), problem)
            } else if method != method.uppercased() {
                diagnostics.warning(path.key("methods").index(index), "methods are case-sensitive, so this matches only requests that send \(ConfigRules.quoted(method)); standard methods are uppercase")
            }
        }
        return match
    }
}

extension Rewrite {
    static func decode(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> Rewrite? {
        guard let object = ObjectReader(value, at: path, allowed: ["stripPrefix"], &diagnostics) else { return nil }
        return Rewrite(stripPrefix: object.read("stripPrefix", &diagnostics, JSONRead.string(checkedBy: ConfigRules.pathProblem)))
    }
}

extension HeaderRules {
    static func decode(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> HeaderRules? {
        guard let object = ObjectReader(value, at: path, allowed: ["request", "response"], &diagnostics) else { return nil }
        return HeaderRules(
            request: object.read("request", &diagnostics, HeaderEdits.decode),
            response: object.read("response", &diagnostics, HeaderEdits.decode)
        )
    }
}

extension HeaderEdits {
    static func decode(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> HeaderEdits? {
        guard let object = ObjectReader(value, at: path, allowed: ["set", "remove"], &diagnostics) else { return nil }
        var edits = HeaderEdits()
        if let set = object.value("set"), case .object(let members) = set {
            var seen: [String: String] = [:]
            for (name, value) in members {
                let memberPath = path.key("set").key(name)
                if let problem = ConfigRules.headerNameProblem(name) {
                    diagnostics.error(memberPath, problem)
                } else if ConfigRules.unsettableHeaders.contains(name.lowercased()) {
                    diagnostics.error(memberPath, "\(name) describes the connection or message framing, which the gateway manages; it cannot be set")
                } else if let earlier = seen.updateValue(name, forKey: name.lowercased()) {
                    diagnostics.error(memberPath, "sets the same header as \(ConfigRules.quoted(earlier)); header names are case-insensitive")
                }
                guard let text = JSONRead.string(value, memberPath, &diagnostics) else { continue }
                if let problem = ConfigRules.headerValueProblem(text) { diagnostics.error(memberPath, problem) }
                edits.set.append((name, text))
            }
        } else if let set = object.value("set") {
            diagnostics.error(path.key("set"), "expected an object of header names to string values, got \(set.kindDescription)")
        }
        if let remove = object.value("remove") {
            guard case .array(let elements) = remove else {
                diagnostics.error(path.key("remove"), "expected an array of header names, got \(remove.kindDescription)")
                return edits
            }
            for (index, element) in elements.enumerated() {
                guard let name = JSONRead.string(element, path.key("remove").index(index), &diagnostics) else { continue }
                if let problem = ConfigRules.headerNameProblem(name) { diagnostics.error(path.key("remove").index(index), problem) }
                edits.remove.append(name)
            }
        }
        return edits
    }
}
