import CORSPolicy

// `cors` objects (SPEC §4): strict decoding of each field, the per-object rules, and the
// field-by-field merge of a route's `cors` over `defaults.cors`. The raw JSON stays in the
// model (`RouteConfig.cors`, `Defaults.cors`) for /config; this is the validated reading of it.

/// One `cors` object's fields as written (origins already normalised), each with the JSON path
/// it came from, so a rule that spans a route and `defaults.cors` can name the right place.
struct CORSFields {
    struct Field<Value> {
        var value: Value
        var path: JSONPath
    }

    static let keys = [
        "allowOrigins", "allowOriginRegex", "allowMethods", "allowHeaders", "exposeHeaders", "allowCredentials",
        "maxAge", "allowPrivateNetwork", "preflight", "preflightStatus", "backendHeaders", "mode", "debug",
    ]

    var allowOrigins: Field<[String]>?
    var allowOriginRegex: Field<[String]>?
    var allowMethods: Field<[String]>?
    var allowHeaders: Field<[String]>?
    var exposeHeaders: Field<[String]>?
    var allowCredentials: Field<Bool>?
    var maxAge: Field<Int>?
    var allowPrivateNetwork: Field<Bool>?
    var preflight: Field<CORSConfig.Preflight>?
    var preflightStatus: Field<Int>?
    var backendHeaders: Field<CORSConfig.BackendHeaders>?
    var mode: Field<CORSConfig.Mode>?
    var debug: Field<Bool>?

    /// `self`'s fields where set, `defaults`' otherwise.
    func merged(over defaults: CORSFields?) -> CORSFields {
        guard let defaults else { return self }
        var merged = self
        merged.allowOrigins = allowOrigins ?? defaults.allowOrigins
        merged.allowOriginRegex = allowOriginRegex ?? defaults.allowOriginRegex
        merged.allowMethods = allowMethods ?? defaults.allowMethods
        merged.allowHeaders = allowHeaders ?? defaults.allowHeaders
        merged.exposeHeaders = exposeHeaders ?? defaults.exposeHeaders
        merged.allowCredentials = allowCredentials ?? defaults.allowCredentials
        merged.maxAge = maxAge ?? defaults.maxAge
        merged.allowPrivateNetwork = allowPrivateNetwork ?? defaults.allowPrivateNetwork
        merged.preflight = preflight ?? defaults.preflight
        merged.preflightStatus = preflightStatus ?? defaults.preflightStatus
        merged.backendHeaders = backendHeaders ?? defaults.backendHeaders
        merged.mode = mode ?? defaults.mode
        merged.debug = debug ?? defaults.debug
        return merged
    }

    /// The effective settings: these fields over the SPEC §4 defaults.
    var config: CORSConfig {
        var config = CORSConfig()
        if let allowOrigins { config.allowOrigins = allowOrigins.value }
        if let allowOriginRegex { config.allowOriginRegex = allowOriginRegex.value }
        if let allowMethods { config.allowMethods = allowMethods.value }
        if let allowHeaders { config.allowHeaders = allowHeaders.value }
        if let exposeHeaders { config.exposeHeaders = exposeHeaders.value }
        if let allowCredentials { config.allowCredentials = allowCredentials.value }
        if let maxAge { config.maxAge = maxAge.value }
        if let allowPrivateNetwork { config.allowPrivateNetwork = allowPrivateNetwork.value }
        if let preflight { config.preflight = preflight.value }
        if let preflightStatus { config.preflightStatus = preflightStatus.value }
        if let backendHeaders { config.backendHeaders = backendHeaders.value }
        if let mode { config.mode = mode.value }
        if let debug { config.debug = debug.value }
        return config
    }

    /// The effective config of a route from the raw objects; nil when neither is set (CORS off).
    /// The values must have passed validation; problems are not reported here.
    static func effectiveConfig(route: JSONValue?, defaults: JSONValue?) -> CORSConfig? {
        var ignored = Diagnostics()
        let defaultFields = defaults.flatMap { decode($0, JSONPath.root.key("defaults").key("cors"), &ignored) }
        guard let route else { return defaultFields?.config }
        return decode(route, JSONPath.root.key("cors"), &ignored)?.merged(over: defaultFields).config
    }

    // MARK: Decoding

    /// Reads one `cors` object; every problem is reported at its path. Returns the fields that
    /// decoded (invalid ones are left unset), nil when `value` is not an object.
    static func decode(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> CORSFields? {
        guard let object = ObjectReader(value, at: path, allowed: keys, &diagnostics) else { return nil }
        var fields = CORSFields()
        func field<T>(_ key: String, _ decode: JSONRead.Decoder<T>) -> Field<T>? {
            object.read(key, &diagnostics, decode).map { Field(value: $0, path: path.key(key)) }
        }
        fields.allowOrigins = field("allowOrigins", origins)
        fields.allowOriginRegex = field("allowOriginRegex", regexes)
        fields.allowMethods = field("allowMethods", methods)
        fields.allowHeaders = field("allowHeaders", requestHeaders)
        fields.exposeHeaders = field("exposeHeaders", exposedHeaders)
        fields.allowCredentials = field("allowCredentials", JSONRead.bool)
        fields.maxAge = field("maxAge", maxAge)
        fields.allowPrivateNetwork = field("allowPrivateNetwork", JSONRead.bool)
        fields.preflight = field("preflight", JSONRead.enumeration(CORSConfig.Preflight.self))
        fields.preflightStatus = field("preflightStatus", preflightStatus)
        fields.backendHeaders = field("backendHeaders", JSONRead.enumeration(CORSConfig.BackendHeaders.self))
        fields.mode = field("mode", JSONRead.enumeration(CORSConfig.Mode.self))
        fields.debug = field("debug", JSONRead.bool)
        return fields
    }

    /// allowOrigins: entries parsed and normalised (lowercase, default port removed, with a
    /// warning); a wildcard directly over a public suffix, and `*` beside other entries, refused.
    static func origins(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> [String]? {
        guard let entries = JSONRead.stringList(value, path, &diagnostics) else { return nil }
        var normalized: [String] = []
        var valid = true
        var firstIndex: [String: Int] = [:]
        for (index, text) in entries.enumerated() {
            let entryPath = path.index(index)
            switch OriginEntryParser.parse(text) {
            case .failure(let error):
                diagnostics.error(entryPath, error.message)
                valid = false
            case .success(let parsed):
                if parsed.entry == .any, entries.count > 1 {
                    diagnostics.error(entryPath, "\"*\" allows every origin and must be the only entry; allowed: [\"*\"] alone, or a list of origins")
                    valid = false
                }
                if case .pattern(let pattern) = parsed.entry, pattern.subdomains, PublicSuffix.isPublicSuffix(pattern.host) {
                    diagnostics.error(entryPath, "\(ConfigRules.quoted(text)) is a wildcard directly over the public suffix \"\(pattern.host)\", which would allow sites anyone can register; allowed: a wildcard over a registrable domain such as \"\(pattern.scheme)://*.example.\(pattern.host)\"")
                    valid = false
                }
                if parsed.wasLowercased || parsed.removedDefaultPort != nil {
                    var changes: [String] = []
                    if parsed.wasLowercased { changes.append("lowercased") }
                    if let port = parsed.removedDefaultPort { changes.append("the default port :\(port) removed") }
                    diagnostics.warning(entryPath, "used as \(ConfigRules.quoted(parsed.normalized)) (\(changes.joined(separator: ", "))): browsers send origins in lowercase and without the default port, and origins are matched byte for byte")
                }
                if let first = firstIndex[parsed.normalized] {
                    diagnostics.warning(entryPath, "the same origin as \(path.index(first)); listed twice")
                } else {
                    firstIndex[parsed.normalized] = index
                }
                normalized.append(parsed.normalized)
            }
        }
        return valid ? normalized : nil
    }

    /// allowOriginRegex: each must compile; it is matched against the whole origin.
    static func regexes(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> [String]? {
        guard let patterns = JSONRead.stringList(value, path, &diagnostics) else { return nil }
        var valid = true
        for (index, pattern) in patterns.enumerated() {
            if pattern.isEmpty {
                diagnostics.error(path.index(index), "an empty regex matches no origin; allowed: a regex that matches whole origins, such as \"https://pr-[0-9]+\\\\.preview\\\\.example\\\\.net\"")
                valid = false
                continue
            }
            do {
                _ = try CORSPolicy(configWithRegex: pattern)
            } catch {
                diagnostics.error(path.index(index), "invalid regex: \(error); allowed: a Swift Regex (PCRE-like syntax) that must match the whole origin")
                valid = false
            }
        }
        return valid ? patterns : nil
    }

    /// allowMethods: tokens (case-sensitive) or "*"; CONNECT, TRACE and TRACK refused.
    static func methods(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> [String]? {
        guard let methods = JSONRead.stringList(value, path, &diagnostics) else { return nil }
        var valid = true
        for (index, method) in methods.enumerated() {
            let entryPath = path.index(index)
            if method == "*" { continue }
            if let problem = ConfigRules.methodProblem(method) {
                diagnostics.error(entryPath, problem)
                valid = false
            } else if FetchRules.isForbiddenMethod(method) {
                diagnostics.error(entryPath, "\(ConfigRules.quoted(method)) is a forbidden method (Fetch): browsers never send it and it must not be allowed; allowed: other methods such as GET, POST, PUT, PATCH, DELETE")
                valid = false
            } else if method != method.uppercased() {
                diagnostics.warning(entryPath, "methods are case-sensitive, so this allows only requests that send \(ConfigRules.quoted(method)); browsers uppercase only DELETE, GET, HEAD, OPTIONS, POST and PUT")
            }
            if methods[..<index].contains(method) { diagnostics.warning(entryPath, "listed twice") }
        }
        if methods.isEmpty { diagnostics.warning(path, "an empty list rejects every preflight") }
        return valid ? methods : nil
    }

    /// allowHeaders: header names or "*"; names a browser can never send are warned about.
    static func requestHeaders(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> [String]? {
        headerNames(value, path, &diagnostics) { name, entryPath, diagnostics in
            if FetchRules.isForbiddenRequestHeader(name) {
                diagnostics.warning(entryPath, "\(ConfigRules.quoted(name)) is a forbidden request header (Fetch): a browser never lets a script send it, so allowing it has no effect")
            }
        }
    }

    /// exposeHeaders: header names or "*"; Set-Cookie can never be exposed.
    static func exposedHeaders(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> [String]? {
        headerNames(value, path, &diagnostics) { name, entryPath, diagnostics in
            if FetchRules.unexposableResponseHeaders.contains(name.lowercased()) {
                diagnostics.warning(entryPath, "\(ConfigRules.quoted(name)) can never be exposed to a script (Fetch forbidden response header); listing it has no effect")
            }
        }
    }

    private static func headerNames(
        _ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics,
        _ extra: (String, JSONPath, inout Diagnostics) -> Void
    ) -> [String]? {
        guard let names = JSONRead.stringList(value, path, &diagnostics) else { return nil }
        var valid = true
        for (index, name) in names.enumerated() {
            let entryPath = path.index(index)
            if name == "*" { continue }
            if let problem = ConfigRules.headerNameProblem(name) {
                diagnostics.error(entryPath, problem)
                valid = false
                continue
            }
            extra(name, entryPath, &diagnostics)
            if let first = names[..<index].firstIndex(where: { $0.lowercased() == name.lowercased() }) {
                diagnostics.warning(entryPath, "the same header as \(path.index(first)); header names are case-insensitive")
            }
        }
        return valid ? names : nil
    }

    /// maxAge: whole seconds 0...86400; above 7200 warned (Chromium caps there).
    static func maxAge(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> Int? {
        guard case .number(let number) = value, let seconds = Int(exactly: number), (0...86400).contains(seconds) else {
            diagnostics.error(path, "expected whole seconds from 0 to 86400, got \(value.kindDescription)")
            return nil
        }
        if seconds > 7200 {
            diagnostics.warning(path, "\(seconds) seconds is above 7200, where Chromium caps preflight caching (WebKit caps at 600)")
        }
        return seconds
    }

    static func preflightStatus(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> Int? {
        guard case .number(let number) = value, let status = Int(exactly: number), status == 200 || status == 204 else {
            diagnostics.error(path, "expected 200 or 204, got \(value.kindDescription)")
            return nil
        }
        return status
    }
}

extension CORSPolicy {
    /// Compiles a policy whose only origin rule is `pattern`, to validate the regex exactly as
    /// the policy will compile it.
    convenience init(configWithRegex pattern: String) throws {
        var config = CORSConfig()
        config.allowOriginRegex = [pattern]
        try self.init(config)
    }
}

extension JSONRead {
    static func bool(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> Bool? {
        guard case .bool(let flag) = value else {
            diagnostics.error(path, "expected true or false, got \(value.kindDescription)")
            return nil
        }
        return flag
    }

    /// An array of strings, possibly empty.
    static func stringList(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> [String]? {
        guard case .array(let elements) = value else {
            diagnostics.error(path, "expected an array of strings, got \(value.kindDescription)")
            return nil
        }
        var strings: [String] = []
        for (index, element) in elements.enumerated() {
            if let string = JSONRead.string(element, path.index(index), &diagnostics) { strings.append(string) }
        }
        return strings.count == elements.count ? strings : nil
    }

    /// One of an enum's raw values.
    static func enumeration<E: RawRepresentable & CaseIterable>(_ type: E.Type) -> Decoder<E> where E.RawValue == String {
        { value, path, diagnostics in
            if case .string(let text) = value, let parsed = E(rawValue: text) { return parsed }
            let allowed = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            diagnostics.error(path, "expected one of \(allowed), got \(value.kindDescription)")
            return nil
        }
    }
}
