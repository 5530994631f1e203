import CookiePolicy

// `cookies` objects (SPEC §6): strict decoding of each field, the rules that span fields, and
// the field-by-field merge of a route's `cookies` over `defaults.cookies`. The raw JSON stays in
// the model (`RouteConfig.cookies`, `Defaults.cookies`) for /config; this is the validated reading.
//
// `sameSite: null` and `path: null` written in a route are set fields: they override a value from
// `defaults.cookies` (null means "leave the backend's"), like any other field.

struct CookieFields {
    struct Field<Value> {
        var value: Value
        var path: JSONPath
    }

    static let keys = ["forward", "httpOnly", "secure", "sameSite", "partitioned", "domain", "path", "maxAge", "overMaxAge"]

    /// Browsers cap every cookie lifetime at 400 days (RFC 6265bis §5.6.1/§5.6.2).
    static let browserLifetimeCap = 400 * 86400

    var forward: Field<CookieConfig.Forward>?
    var httpOnly: Field<Bool>?
    var secure: Field<Bool>?
    var sameSite: Field<CookieConfig.SameSite?>?
    var partitioned: Field<Bool>?
    var domain: Field<CookieConfig.DomainRule>?
    var path: Field<String?>?
    var maxAge: Field<Int>?
    var overMaxAge: Field<CookieConfig.OverMaxAge>?

    /// `self`'s fields where set, `defaults`' otherwise.
    func merged(over defaults: CookieFields?) -> CookieFields {
        guard let defaults else { return self }
        var merged = self
        merged.forward = forward ?? defaults.forward
        merged.httpOnly = httpOnly ?? defaults.httpOnly
        merged.secure = secure ?? defaults.secure
        merged.sameSite = sameSite ?? defaults.sameSite
        merged.partitioned = partitioned ?? defaults.partitioned
        merged.domain = domain ?? defaults.domain
        merged.path = path ?? defaults.path
        merged.maxAge = maxAge ?? defaults.maxAge
        merged.overMaxAge = overMaxAge ?? defaults.overMaxAge
        return merged
    }

    /// The effective settings: these fields over the SPEC §6 defaults.
    var config: CookieConfig {
        var config = CookieConfig()
        if let forward { config.forward = forward.value }
        if let httpOnly { config.httpOnly = httpOnly.value }
        if let secure { config.secure = secure.value }
        if let sameSite { config.sameSite = sameSite.value }
        if let partitioned { config.partitioned = partitioned.value }
        if let domain { config.domain = domain.value }
        if let path { config.path = path.value }
        if let maxAge { config.maxAge = maxAge.value }
        if let overMaxAge { config.overMaxAge = overMaxAge.value }
        return config
    }

    /// The effective config of a route from the raw objects; the SPEC §6 defaults when neither
    /// is set. The values must have passed validation; problems are not reported here.
    static func effectiveConfig(route: JSONValue?, defaults: JSONValue?) -> CookieConfig {
        var ignored = Diagnostics()
        let defaultFields = defaults.flatMap { decode($0, JSONPath.root.key("defaults").key("cookies"), &ignored) }
        guard let route else { return defaultFields?.config ?? CookieConfig() }
        return (decode(route, JSONPath.root.key("cookies"), &ignored)?.merged(over: defaultFields) ?? defaultFields)?.config ?? CookieConfig()
    }

    // MARK: Decoding

    /// Reads one `cookies` object; every problem is reported at its path. Returns the fields that
    /// decoded (invalid ones are left unset), nil when `value` is not an object.
    static func decode(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> CookieFields? {
        guard let object = ObjectReader(value, at: path, allowed: keys, &diagnostics) else { return nil }
        var fields = CookieFields()
        func field<T>(_ key: String, _ decode: JSONRead.Decoder<T>) -> Field<T>? {
            object.read(key, &diagnostics, decode).map { Field(value: $0, path: path.key(key)) }
        }
        fields.forward = field("forward", forward)
        fields.httpOnly = field("httpOnly", JSONRead.bool)
        fields.secure = field("secure", JSONRead.bool)
        fields.sameSite = field("sameSite", sameSite)
        fields.partitioned = field("partitioned", JSONRead.bool)
        fields.domain = field("domain", domain)
        fields.path = field("path", cookiePath)
        fields.maxAge = field("maxAge", maxAge)
        fields.overMaxAge = field("overMaxAge", JSONRead.enumeration(CookieConfig.OverMaxAge.self))
        return fields
    }

    /// forward: "*" or an array of cookie names (RFC 6265 tokens, case-sensitive).
    static func forward(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> CookieConfig.Forward? {
        switch value {
        case .string("*"):
            return .all
        case .array:
            guard let names = JSONRead.stringList(value, path, &diagnostics) else { return nil }
            var valid = true
            for (index, name) in names.enumerated() {
                let entryPath = path.index(index)
                if name == "*" {
                    diagnostics.error(entryPath, "\"*\" inside the list would be a cookie literally named *; allowed: \"forward\": \"*\" (every cookie), or a list of cookie names")
                    valid = false
                } else if !ConfigRules.isToken(name) {
                    diagnostics.error(entryPath, "\(ConfigRules.quoted(name)) is not a valid cookie name; allowed: a token of letters, digits and !#$%&'*+-.^_`|~")
                    valid = false
                } else if let first = names[..<index].firstIndex(of: name) {
                    diagnostics.warning(entryPath, "the same cookie name as \(path.index(first)); listed twice")
                }
            }
            return valid ? .names(names) : nil
        default:
            diagnostics.error(path, "expected \"*\" (every cookie) or an array of cookie names, got \(value.kindDescription)")
            return nil
        }
    }

    /// sameSite: "Strict" | "Lax" | "None" | null (leave the backend's).
    static func sameSite(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> CookieConfig.SameSite?? {
        if case .null = value { return .some(nil) }
        if case .string(let text) = value, let parsed = CookieConfig.SameSite(rawValue: text) { return .some(parsed) }
        diagnostics.error(path, "expected one of \"Strict\", \"Lax\", \"None\", or null to leave the backend's SameSite; got \(value.kindDescription)")
        return nil
    }

    /// domain: "strip" | "preserve" | a domain to set on every cookie.
    static func domain(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> CookieConfig.DomainRule? {
        let allowed = "allowed: \"strip\" (host-only cookies), \"preserve\", or a domain such as \"example.com\""
        guard case .string(let text) = value else {
            diagnostics.error(path, "expected a string; \(allowed); got \(value.kindDescription)")
            return nil
        }
        switch text {
        case "strip": return .strip
        case "preserve": return .preserve
        default: break
        }
        if ["strip", "preserve"].contains(text.lowercased()) {
            diagnostics.error(path, "\(ConfigRules.quoted(text)): the keywords are lowercase; \(allowed)")
            return nil
        }
        if text.hasPrefix(".") {
            diagnostics.error(path, "\(ConfigRules.quoted(text)) starts with a dot, which browsers ignore; \(allowed) (it covers the subdomains too)")
            return nil
        }
        guard ConfigRules.isHostname(Substring(text)) else {
            diagnostics.error(path, "\(ConfigRules.quoted(text)) is not a valid domain; \(allowed)")
            return nil
        }
        let lowercased = text.lowercased()
        if PublicSuffix.isPublicSuffix(lowercased) {
            diagnostics.error(path, "\(ConfigRules.quoted(text)) is a public suffix, and browsers refuse cookies for it; \(allowed)")
            return nil
        }
        return .set(text)
    }

    /// path: a "/"-rooted path set on every cookie, or null to leave the backend's.
    static func cookiePath(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> String?? {
        switch value {
        case .null:
            return .some(nil)
        case .string(let text):
            if let problem = ConfigRules.pathProblem(text) {
                diagnostics.error(path, "\(problem); allowed: a path such as \"/\", or null to leave the backend's Path")
                return nil
            }
            if text.contains(";") {
                diagnostics.error(path, "\(ConfigRules.quoted(text)) contains ';', which would end the Path attribute; allowed: a path without ';'")
                return nil
            }
            return .some(text)
        default:
            diagnostics.error(path, "expected a path starting with \"/\", or null to leave the backend's Path; got \(value.kindDescription)")
            return nil
        }
    }

    /// maxAge: whole seconds ≥ 0.
    static func maxAge(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> Int? {
        guard case .number(let number) = value, let seconds = Int(exactly: number), (0...JSONRead.maxInteger).contains(seconds) else {
            diagnostics.error(path, "expected whole seconds, 0 or more, got \(value.kindDescription)")
            return nil
        }
        if seconds == 0 {
            diagnostics.warning(path, "0 caps every Max-Age and Expires to Max-Age=0, which deletes the cookie at once; only session cookies survive")
        } else if seconds > browserLifetimeCap {
            diagnostics.warning(path, "\(seconds) seconds is above 400 days (\(browserLifetimeCap)), where browsers cap cookie lifetimes anyway")
        }
        return seconds
    }

    // MARK: Rules that span fields

    enum Owner {
        case defaults
        case route
    }

    /// `sameSite: "None"` and `partitioned: true` need `secure`: browsers refuse such cookies
    /// without Secure. Checked on the merged fields; like the cors combinations, a route reports
    /// only combinations involving a field it sets itself, and `defaults.cookies` the rest.
    func checkCombinations(owner: Owner, _ diagnostics: inout Diagnostics) {
        guard let secure, !secure.value else { return }
        func owned(_ path: JSONPath) -> Bool { owner == .defaults || path.routeIndex != nil }
        func report(_ field: JSONPath, _ what: String) {
            if owned(field) {
                diagnostics.error(field, "\(what) needs secure true, but secure is false (\(secure.path)): browsers refuse such cookies without Secure; allowed: secure true, or another value")
            } else if owned(secure.path) {
                diagnostics.error(secure.path, "false cannot be combined with \(what) at \(field): browsers refuse such cookies without Secure; allowed: true, or change \(field)")
            }
        }
        if let sameSite, sameSite.value == CookieConfig.SameSite.none { report(sameSite.path, "sameSite \"None\"") }
        if let partitioned, partitioned.value { report(partitioned.path, "partitioned true") }
    }
}
