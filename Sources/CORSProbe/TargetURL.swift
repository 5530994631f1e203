import Foundation

/// An http(s) URL as Chromium serializes it (lowercase scheme and host, no default port, `/`
/// for an empty path): the form its console sentences quote.
public struct TargetURL: Sendable, Hashable, CustomStringConvertible {
    public let scheme: String
    public let host: String
    public let port: Int?
    /// Path and query, starting with `/`.
    public let pathAndQuery: String

    public var description: String { "\(self.origin)\(self.pathAndQuery)" }

    /// `scheme://host[:port]`.
    public var origin: String {
        let hostText = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "\(self.scheme)://\(hostText)" + (self.port.map { ":\($0)" } ?? "")
    }

    public static func parse(_ text: String) throws(ProbeError) -> TargetURL {
        let lower = text.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw .badInput("URL \"\(text)\" has no http:// or https:// scheme (write it as the page's fetch() would, e.g. https://api.example.com/path)")
        }
        guard let components = URLComponents(string: text), let rawHost = components.host, !rawHost.isEmpty else {
            throw .badInput("URL \"\(text)\" is not a valid http(s) URL with a host")
        }
        if components.user != nil || components.password != nil {
            throw .badInput("URL \"\(text)\" carries credentials (user:password@); fetch() refuses such URLs")
        }
        let scheme = components.scheme!.lowercased()
        let host = rawHost.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        var port = components.port
        if (scheme == "http" && port == 80) || (scheme == "https" && port == 443) { port = nil }
        var path = components.percentEncodedPath
        if path.isEmpty { path = "/" }
        let query = components.percentEncodedQuery.map { "?\($0)" } ?? ""
        return TargetURL(scheme: scheme, host: host, port: port, pathAndQuery: path + query)
    }

    private init(scheme: String, host: String, port: Int?, pathAndQuery: String) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.pathAndQuery = pathAndQuery
    }

    /// A redirect's `Location` resolved against this URL; nil when it is not http(s).
    public func resolving(location: String) -> TargetURL? {
        guard let base = URL(string: self.description), let resolved = URL(string: location, relativeTo: base)?.absoluteURL else {
            return nil
        }
        return try? TargetURL.parse(resolved.absoluteString)
    }
}

func isReadableFile(_ path: String) -> Bool {
    FileManager.default.isReadableFile(atPath: path)
}
