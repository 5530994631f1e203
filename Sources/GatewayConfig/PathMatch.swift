/// A route's `match.path` or `match.pathPrefix`, compared byte for byte with the request
/// path (no percent-decoding or dot-segment removal: the backend sees the same bytes).
public enum PathMatch: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// `path`: the request path equals this.
    case exact(String)
    /// `pathPrefix`, segment-aware: "/fn" matches "/fn" and "/fn/x", not "/fnx";
    /// "/fn/" matches only paths that start with "/fn/"; "/" matches every path.
    case prefix(String)

    public var description: String {
        switch self {
        case .exact(let path): return "path \(path)"
        case .prefix(let prefix): return "pathPrefix \(prefix)"
        }
    }

    /// `path` is the request path without its query string.
    func matches(_ path: some Collection<UInt8>) -> Bool {
        switch self {
        case .exact(let exact):
            return path.elementsEqual(exact.utf8)
        case .prefix(let prefix):
            return segmentPrefix(prefix.utf8, matches: path)
        }
    }

    /// True when every path `other` admits is admitted by `self` (for shadowing warnings).
    func covers(_ other: PathMatch) -> Bool {
        switch (self, other) {
        case (.exact(let a), .exact(let b)):
            return a == b
        case (.exact, .prefix):
            return false
        case (.prefix, .exact(let path)), (.prefix, .prefix(let path)):
            // A segment-aware prefix that admits the other pattern's own text admits everything
            // under it too, because the other pattern's paths all extend that text.
            return matches(path.utf8)
        }
    }
}

/// The segment-aware prefix rule shared by `pathPrefix` matching and `stripPrefix` checks.
func segmentPrefix(_ prefix: some BidirectionalCollection<UInt8>, matches path: some Collection<UInt8>) -> Bool {
    guard path.starts(with: prefix) else { return false }
    let rest = path.dropFirst(prefix.count)
    // A prefix ending in "/" already ends at a boundary; otherwise the path must end or go on with "/".
    return rest.isEmpty || rest.first == UInt8(ascii: "/") || prefix.last == UInt8(ascii: "/")
}
