// One configured `allowOrigins` entry, parsed into what it matches. GatewayConfig uses this to
// validate and normalise entries; CORSPolicy uses it to compile the matcher.

/// What an `allowOrigins` entry allows.
package enum OriginEntry: Sendable, Equatable {
    /// `"*"`: every serialized origin (not `null`), answered with a literal `*`.
    case any
    /// `"null"`: the opaque origin, only when listed (and never with credentials).
    case null
    /// `scheme://host[:port]`, compared byte for byte (a set lookup).
    case exact(String)
    /// `scheme://*.domain`, `scheme://host:*`, or both.
    case pattern(OriginPattern)
}

/// A wildcard entry: `https://*.example.org` (one or more labels before the domain),
/// `http://localhost:*` (any explicit port, or none), or `https://*.example.org:*`.
package struct OriginPattern: Sendable, Equatable, CustomStringConvertible {
    package enum Port: Sendable, Equatable {
        /// The origin must carry no port.
        case none
        /// Any explicit port, or none.
        case any
        case exact(Int)
    }

    package var scheme: String
    /// The exact host, or the domain under `*.` when `subdomains` is set.
    package var host: String
    package var subdomains: Bool
    package var port: Port

    package var description: String {
        var text = scheme + "://" + (subdomains ? "*." : "") + host
        switch port {
        case .none: break
        case .any: text += ":*"
        case .exact(let number): text += ":\(number)"
        }
        return text
    }
}

/// An entry as `check` reads it: the normalised text and what normalising changed.
package struct ParsedOriginEntry: Sendable, Equatable {
    package var entry: OriginEntry
    /// Lowercase, without a default port: the form the policy matches with.
    package var normalized: String
    /// The entry had uppercase letters.
    package var wasLowercased: Bool
    /// The default port (80 or 443) that was removed.
    package var removedDefaultPort: Int?
}

/// Why an entry is refused; `message` says what is wrong and what is allowed.
package struct OriginEntryError: Error, Sendable, Equatable {
    package var message: String
}

package enum OriginEntryParser {
    static let allowedForms = "allowed: scheme://host[:port] as a browser sends it (\"https://app.example.com\"), \"https://*.example.org\", a \":*\" port, \"*\" or \"null\""

    /// Parses and normalises (lowercase, default port removed) one `allowOrigins` entry.
    package static func parse(_ text: String) -> Result<ParsedOriginEntry, OriginEntryError> {
        if text == "*" {
            return .success(ParsedOriginEntry(entry: .any, normalized: "*", wasLowercased: false, removedDefaultPort: nil))
        }
        let lower = asciiLowercasedString(text)
        let wasLowercased = lower != text
        if lower == "null" {
            return .success(ParsedOriginEntry(entry: .null, normalized: "null", wasLowercased: wasLowercased, removedDefaultPort: nil))
        }
        func failure(_ message: String) -> Result<ParsedOriginEntry, OriginEntryError> {
            .failure(OriginEntryError(message: "\"\(text)\" \(message); \(allowedForms)"))
        }
        if text.isEmpty { return failure("is empty and would match nothing") }
        guard let separator = lower.firstRange(of: "://") else { return failure("has no scheme") }
        let scheme = String(lower[..<separator.lowerBound])
        let rest = lower[separator.upperBound...]
        let schemeOK = Array(scheme.utf8).withUnsafeBufferPointer { SerializedOrigin.isScheme($0, 0, $0.count) }
        guard schemeOK else { return failure("has an invalid scheme") }
        let pathBytes: Set<UInt8> = [UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "\\")]
        if rest.utf8.contains(where: pathBytes.contains) {
            return failure("has a path, query or trailing slash, which a browser's Origin never has")
        }
        if rest.contains("@") { return failure("carries user info") }

        // host [":" port]
        var hostText: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return failure("has an invalid IPv6 host") }
            hostText = rest[...close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return failure("has an invalid IPv6 host") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            hostText = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            hostText = rest
        }

        var subdomains = false
        if hostText.hasPrefix("*.") {
            subdomains = true
            hostText = hostText.dropFirst(2)
        }
        if hostText.contains("*") {
            return failure("has a wildcard that is not a whole leading label; the only wildcards are \"*.\" before a domain and a \":*\" port")
        }
        let hostBytes = Array(hostText.utf8)
        let hostOK = hostBytes.withUnsafeBufferPointer { buffer in
            hostText.hasPrefix("[")
                ? !subdomains && buffer.count > 2 && buffer[buffer.count - 1] == UInt8(ascii: "]")
                    && SerializedOrigin.isIPv6Literal(buffer, 1, buffer.count - 1)
                : SerializedOrigin.isDNSHost(buffer, 0, buffer.count) && buffer.last != UInt8(ascii: ".")
        }
        guard hostOK else { return failure("has an invalid host") }

        var port = OriginPattern.Port.none
        var removedDefaultPort: Int?
        if let portText {
            if portText == "*" {
                port = .any
            } else {
                let number = Array(portText.utf8).withUnsafeBufferPointer { SerializedOrigin.parsePort($0, 0, $0.count) }
                guard let number else { return failure("has an invalid port; allowed ports are 1-65535 or \"*\"") }
                let defaultPort = scheme == "http" ? 80 : scheme == "https" ? 443 : nil
                if number == defaultPort {
                    removedDefaultPort = number
                } else {
                    port = .exact(number)
                }
            }
        }
        let pattern = OriginPattern(scheme: scheme, host: String(hostText), subdomains: subdomains, port: port)
        let normalized = pattern.description
        let entry: OriginEntry = subdomains || port == .any ? .pattern(pattern) : .exact(normalized)
        return .success(ParsedOriginEntry(entry: entry, normalized: normalized, wasLowercased: wasLowercased, removedDefaultPort: removedDefaultPort))
    }
}
