/// One error or warning found in gateway.json, named by its JSON path
/// (`routes[2].match.pathPrefix`) so an operator can find it without line numbers.
public struct ConfigIssue: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The JSON path of the offending value; "" for the file as a whole (unreadable, bad syntax).
    public var path: String
    /// What is wrong and what is allowed.
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String {
        path.isEmpty ? message : "\(path): \(message)"
    }
}

/// The location of a value inside the JSON document, rendered as `routes[2].cors.allowOrigins[1]`.
struct JSONPath: Hashable, Sendable, CustomStringConvertible {
    enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    private(set) var components: [Component] = []

    static let root = JSONPath()

    func key(_ key: String) -> JSONPath {
        var copy = self
        copy.components.append(.key(key))
        return copy
    }

    func index(_ index: Int) -> JSONPath {
        var copy = self
        copy.components.append(.index(index))
        return copy
    }

    /// The route index when this path lies under `routes[i]`, which makes an issue a route issue.
    var routeIndex: Int? {
        guard components.count >= 2, components[0] == .key("routes"),
              case .index(let index) = components[1] else { return nil }
        return index
    }

    var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += key
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }
}

/// Errors and warnings collected while reading one part of the file; nothing stops at the first.
struct Diagnostics: Sendable {
    var errors: [ConfigIssue] = []
    var warnings: [ConfigIssue] = []

    mutating func error(_ path: JSONPath, _ message: String) {
        errors.append(ConfigIssue(path: path.description, message: message))
    }

    mutating func warning(_ path: JSONPath, _ message: String) {
        warnings.append(ConfigIssue(path: path.description, message: message))
    }
}

/// A rule's complaint about one value, turned into a `ConfigIssue` by the caller who knows the path.
struct ConfigRuleViolation: Error, Sendable {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}
