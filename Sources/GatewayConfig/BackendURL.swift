/// A backend `url` taken apart: what the upstream engine needs to reach it.
struct BackendURL: Sendable, Equatable {
    /// "http" or "https", lowercased.
    var scheme: String
    /// Lowercased; an IPv6 literal keeps its brackets, as in a URL or Host header.
    var host: String
    /// The explicit port, or the scheme's default.
    var port: Int
    var hasExplicitPort: Bool
    /// Without trailing slashes; "" when the URL has no path or only "/".
    var basePath: String

    static func parse(_ text: String) -> Result<BackendURL, ConfigRuleViolation> {
        let allowed = "allowed: http:// or https:// with a host, an optional port and an optional base path, such as \"http://127.0.0.1:9001/base\""
        let quoted = ConfigRules.quoted(text)
        guard let separator = text.firstRange(of: "://") else {
            return .failure(ConfigRuleViolation("\(quoted) is not an absolute URL; \(allowed)"))
        }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            return .failure(ConfigRuleViolation("\(quoted) has the scheme \"\(scheme)\"; \(allowed)"))
        }
        let rest = text[separator.upperBound...]
        if rest.contains("?") || rest.contains("#") {
            return .failure(ConfigRuleViolation("\(quoted) has a query or fragment; \(allowed)"))
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let path = rest[authorityEnd...]
        if authority.contains("@") {
            return .failure(ConfigRuleViolation("\(quoted) carries user info; credentials do not belong in the URL; \(allowed)"))
        }

        var host = authority
        var port: Int? = nil
        let portSeparator: Substring.Index?
        if authority.hasPrefix("[") {
            let close = authority.firstIndex(of: "]")
            portSeparator = close.flatMap { authority.index(after: $0) < authority.endIndex ? authority.index(after: $0) : nil }
        } else {
            portSeparator = authority.firstIndex(of: ":")
        }
        if let portSeparator {
            guard authority[portSeparator] == ":",
                  let number = ConfigRules.port(authority[authority.index(after: portSeparator)...], in: 1...65535) else {
                return .failure(ConfigRuleViolation("\(quoted) has an invalid port; ports are 1…65535; \(allowed)"))
            }
            host = authority[..<portSeparator]
            port = number
        }
        guard ConfigRules.isHostname(host) || ConfigRules.isBracketedIPv6(host) else {
            return .failure(ConfigRuleViolation("\(quoted) has a missing or invalid host; \(allowed)"))
        }
        if !path.isEmpty, let problem = ConfigRules.pathProblem(String(path)) {
            return .failure(ConfigRuleViolation("the base path \(problem)"))
        }

        var basePath = path
        while basePath.last == "/" { basePath.removeLast() }
        return .success(BackendURL(
            scheme: scheme,
            host: host.lowercased(),
            port: port ?? (scheme == "https" ? 443 : 80),
            hasExplicitPort: port != nil,
            basePath: String(basePath)
        ))
    }
}
