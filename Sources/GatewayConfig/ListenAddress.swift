/// A `listen` or `admin` entry, "host:port" with IPv6 as "[::1]:8080".
public struct ListenAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// What to bind: a hostname or IP address, IPv6 without brackets ("::1") as socket APIs want it.
    public var host: String
    /// 0…65535; 0 asks the OS for a free port (tests use it).
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// nil when `text` is not a valid "host:port".
    public init?(_ text: String) {
        guard case .success(let address) = ListenAddress.parse(text) else { return nil }
        self = address
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    static func parse(_ text: String) -> Result<ListenAddress, ConfigRuleViolation> {
        let allowed = "allowed: \"host:port\" with port 0…65535, IPv6 in brackets as \"[::1]:8080\""
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), ConfigRules.isBracketedIPv6(text[...close]) else {
                return .failure(ConfigRuleViolation("\(ConfigRules.quoted(text)) has an invalid IPv6 address; \(allowed)"))
            }
            let afterClose = text.index(after: close)
            guard afterClose < text.endIndex, text[afterClose] == ":" else {
                return .failure(ConfigRuleViolation("\(ConfigRules.quoted(text)) has no port; \(allowed)"))
            }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(after: afterClose)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(ConfigRuleViolation("\(ConfigRules.quoted(text)) has no port; \(allowed)"))
            }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
            if host.isEmpty {
                return .failure(ConfigRuleViolation("\(ConfigRules.quoted(text)) has no host (use 0.0.0.0 for every IPv4 interface, [::] for every IPv6 one); \(allowed)"))
            }
            guard !host.contains(":") else {
                return .failure(ConfigRuleViolation("\(ConfigRules.quoted(text)) looks like an IPv6 address without brackets; \(allowed)"))
            }
            guard ConfigRules.isHostname(host) else {
                return .failure(ConfigRuleViolation("\(ConfigRules.quoted(text)) has an invalid host; \(allowed)"))
            }
        }
        guard let number = ConfigRules.port(port, in: 0...65535) else {
            return .failure(ConfigRuleViolation("\(ConfigRules.quoted(text)) has an invalid port; \(allowed)"))
        }
        return .success(ListenAddress(host: String(host), port: number))
    }
}

extension GatewayConfig {
    /// `listen` parsed; every entry parses in a config that passed validation.
    public var listenAddresses: [ListenAddress] { listen.compactMap(\.listenAddress) }

    /// `admin` parsed; nil when the admin API is disabled.
    public var adminAddress: ListenAddress? { admin.flatMap(ListenAddress.init) }
}
