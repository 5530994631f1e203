/// One entry of a route's `match.hosts`, lowercased at compile time so matching never allocates.
public enum HostPattern: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// A hostname, IPv4 address or bracketed IPv6 literal, compared case-insensitively.
    case exact(String)
    /// `*.domain`: one or more labels before `domain`, never `domain` itself.
    case wildcard(domain: String)

    public var description: String {
        switch self {
        case .exact(let host): return host
        case .wildcard(let domain): return "*." + domain
        }
    }

    /// Parses a config entry; `hadPort` tells the caller to warn that the port is ignored.
    static func parse(_ text: String) -> Result<(pattern: HostPattern, hadPort: Bool), ConfigRuleViolation> {
        let (host, port) = splitHostAndPort(Substring(text))
        if let port, ConfigRules.port(port, in: 0...65535) == nil {
            return .failure(ConfigRuleViolation("\(ConfigRules.quoted(text)) has an invalid port; allowed: a hostname, \"*.\" + hostname or an IP address, optionally with :port (ignored)"))
        }
        let name = trimmingTrailingDot(host).lowercased()
        if name.hasPrefix("*.") {
            let domain = name.dropFirst(2)
            guard ConfigRules.isHostname(domain) else {
                return .failure(ConfigRuleViolation("\(ConfigRules.quoted(text)) is not a valid wildcard; allowed: \"*.\" followed by a hostname such as \"*.example.com\""))
            }
            return .success((.wildcard(domain: String(domain)), port != nil))
        }
        guard ConfigRules.isHostname(Substring(name)) || ConfigRules.isBracketedIPv6(Substring(name)) else {
            let hint = name == "*" ? " (omit hosts to match any host)" : ""
            return .failure(ConfigRuleViolation("\(ConfigRules.quoted(text)) is not a valid host\(hint); allowed: a hostname, \"*.\" + hostname, an IPv4 address or a bracketed IPv6 address"))
        }
        return .success((.exact(name), port != nil))
    }

    /// Matches a request host that `requestHostKey` has already stripped of its port.
    func matches(_ host: some Collection<UInt8>) -> Bool {
        switch self {
        case .exact(let name): return hostMatches(name.utf8, isWildcard: false, host: host)
        case .wildcard(let domain): return hostMatches(domain.utf8, isWildcard: true, host: host)
        }
    }

    /// True when every host this pattern admits is admitted by `self` (for shadowing warnings).
    func covers(_ other: HostPattern) -> Bool {
        switch (self, other) {
        case (.exact(let a), .exact(let b)):
            return a == b
        case (.wildcard, .exact(let b)):
            return matches(b.utf8)
        case (.wildcard(let a), .wildcard(let b)):
            return b == a || b.hasSuffix("." + a)
        case (.exact, .wildcard):
            return false
        }
    }
}

/// `pattern` is an exact host, or the domain of a wildcard; both lowercase.
func hostMatches(_ pattern: some Collection<UInt8>, isWildcard: Bool, host: some Collection<UInt8>) -> Bool {
    guard isWildcard else { return asciiCaseInsensitiveEquals(host, pattern) }
    // One or more labels and a dot in front of the domain.
    let labelsCount = host.count - pattern.count - 1
    guard labelsCount >= 1, !hasEmptyLabel(host.prefix(labelsCount)) else { return false }
    let tail = host.dropFirst(labelsCount)
    return tail.first == UInt8(ascii: ".") && asciiCaseInsensitiveEquals(tail.dropFirst(), pattern)
}

/// Whether the labels in front of a wildcard's domain include an empty one: `x..example.com`
/// or `.x.example.com` is no name under `example.com`.
private func hasEmptyLabel(_ labels: some Collection<UInt8>) -> Bool {
    let dot = UInt8(ascii: ".")
    var previous = dot  // a leading dot starts with an empty label
    for byte in labels {
        if byte == dot && previous == dot { return true }
        previous = byte
    }
    return previous == dot  // "x." ends with the dot that would stand before the domain's
}

/// The part of a Host header (or config entry) that names the host: no port, no trailing dot.
/// An IPv6 literal keeps its brackets: `[::1]:8080` → `[::1]`.
func requestHostKey<Bytes: BidirectionalCollection<UInt8>>(_ host: Bytes) -> Bytes.SubSequence {
    var end = host.endIndex
    if host.first == UInt8(ascii: "[") {
        if let close = host.firstIndex(of: UInt8(ascii: "]")) { end = host.index(after: close) }
    } else if let colon = host.firstIndex(of: UInt8(ascii: ":")) {
        end = colon
    }
    // "example.com." is the same host as "example.com" (fully qualified form).
    if end > host.startIndex, host[host.index(before: end)] == UInt8(ascii: ".") {
        end = host.index(before: end)
    }
    return host[..<end]
}

private func splitHostAndPort(_ text: Substring) -> (host: Substring, port: Substring?) {
    if text.first == "[" {
        guard let close = text.firstIndex(of: "]") else { return (text, nil) }
        let afterClose = text.index(after: close)
        guard afterClose < text.endIndex, text[afterClose] == ":" else { return (text, nil) }
        return (text[..<afterClose], text[text.index(after: afterClose)...])
    }
    guard let colon = text.lastIndex(of: ":") else { return (text, nil) }
    return (text[..<colon], text[text.index(after: colon)...])
}

private func trimmingTrailingDot(_ text: Substring) -> Substring {
    text.last == "." ? text.dropLast() : text
}

func asciiCaseInsensitiveEquals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
    guard lhs.count == rhs.count else { return false }
    return zip(lhs, rhs).allSatisfy { asciiLowercase($0) == asciiLowercase($1) }
}

@inline(__always)
func asciiLowercase(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
}
