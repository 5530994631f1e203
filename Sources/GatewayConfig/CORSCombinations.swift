import CORSPolicy

// The `cors` rules that span fields (SPEC §4): `*` and `null` with credentials are errors,
// plain-http origins with credentials a warning. They are checked on the merged fields, since a
// route's allowOrigins can meet allowCredentials from defaults.cors (and the other way round).
//
// Who reports: the defaults pass reports everything in defaults.cors (top-level issues, which
// reject the file). A route pass reports only combinations that involve at least one field the
// route sets itself, at that field's path (a list entry when the route sets the list, else the
// route's allowCredentials), naming where the other half came from. A combination made entirely
// of defaults.cors fields is not repeated on every route.

extension CORSFields {
    enum Owner {
        case defaults
        case route
    }

    func checkCombinations(owner: Owner, _ diagnostics: inout Diagnostics) {
        guard let credentials = allowCredentials, credentials.value else { return }
        func owned(_ path: JSONPath) -> Bool { owner == .defaults || path.routeIndex != nil }

        /// Reports one entry that must not (or should not) meet credentials.
        func report(_ entryPath: JSONPath, _ entry: String, error: Bool, why: String, instead: String) {
            let message: String
            let path: JSONPath
            if owned(entryPath) {
                path = entryPath
                message = "\(ConfigRules.quoted(entry)) cannot be used with allowCredentials true (\(credentials.path)): \(why); \(instead)"
            } else if owned(credentials.path) {
                path = credentials.path
                message = "true cannot be combined with \(ConfigRules.quoted(entry)) at \(entryPath): \(why); \(instead)"
            } else {
                return
            }
            if error {
                diagnostics.error(path, message)
            } else {
                diagnostics.warning(path, message.replacingFirst("cannot be used with", with: "is used with")
                    .replacingFirst("cannot be combined with", with: "is combined with"))
            }
        }

        let wildcardLists: [(field: Field<[String]>?, instead: String)] = [
            (allowOrigins, "allowed: the exact origins (or wildcard patterns such as \"https://*.example.org\")"),
            (allowMethods, "allowed: the method names"),
            (allowHeaders, "allowed: the header names"),
            (exposeHeaders, "allowed: the header names"),
        ]
        for (field, instead) in wildcardLists {
            guard let field else { continue }
            for (index, entry) in field.value.enumerated() where entry == "*" {
                report(field.path.index(index), entry, error: true,
                       why: "with credentials a browser takes \"*\" literally and refuses the response", instead: instead)
            }
        }
        guard let origins = allowOrigins else { return }
        for (index, entry) in origins.value.enumerated() {
            if entry == "null" {
                report(origins.path.index(index), entry, error: true,
                       why: "any sandboxed iframe, file or data: document sends Origin: null", instead: "allowed: the real origins of the pages")
            } else if entry.hasPrefix("http://"), !Self.isLoopbackOrigin(entry) {
                report(origins.path.index(index), entry, error: false,
                       why: "a network attacker can impersonate a plain-http origin and read credentialed responses",
                       instead: "use https (plain http is fine for localhost, 127.0.0.1 and [::1])")
            }
        }
    }

    /// `http://localhost`, `http://127.0.0.1`, `http://[::1]` and `*.localhost`, any port.
    static func isLoopbackOrigin(_ origin: String) -> Bool {
        guard case .success(let parsed) = OriginEntryParser.parse(origin) else { return false }
        let host: String
        switch parsed.entry {
        case .exact(let text):
            host = Self.hostOf(text)
        case .pattern(let pattern):
            host = pattern.subdomains ? "x." + pattern.host : pattern.host
        case .any, .null:
            return false
        }
        return host == "localhost" || host.hasSuffix(".localhost") || host == "127.0.0.1" || host == "[::1]"
    }

    /// The host of `scheme://host[:port]`.
    private static func hostOf(_ origin: String) -> String {
        guard let separator = origin.firstRange(of: "://") else { return origin }
        let rest = origin[separator.upperBound...]
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") { return String(rest[...close]) }
        return String(rest.prefix { $0 != ":" })
    }
}

extension String {
    /// `self` with the first occurrence of `target` replaced (Foundation-free).
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        return self[..<range.lowerBound] + replacement + self[range.upperBound...]
    }
}
