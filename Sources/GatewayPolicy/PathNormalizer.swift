import GatewayConfig

/// The path a request is routed on and forwarded with (SPEC §11): its dot-segments resolved
/// as RFC 3986 §5.2.4 `remove_dot_segments` does, so a route's host, method and CORS rules
/// always apply to the path the backend serves. Otherwise `/pub/../secret` would be routed
/// by `/pub`'s rules and served by a backend that resolves it to `/secret`.
///
/// - A segment that is `.` or `..` once `%2E`/`%2e` is read as `.` (`%2e%2E`, `.%2e`) is a
///   dot-segment: backends decode it, so it must not pass for an ordinary name.
/// - A `..` that would climb above `/` is refused, never silently dropped as RFC 3986 does:
///   it is an attack, not a link.
/// - `%2F` and `%5C` (any case) are refused, or with `encodedSlashes: keep` passed on still
///   encoded, as part of their segment: never a separator here. A raw `\` is always refused:
///   it is no URI character, and WHATWG URL parsers (Node) read it as `/`.
/// - Everything else stays byte for byte: other percent-encodings are not decoded (`%41`
///   stays `%41`, a malformed `%zz` stays too), and empty segments (`//`) are kept, as the
///   RFC keeps them.
///
/// The input is the path of an origin-form target, starting with `/`, without its query.
public enum PathNormalizer {
    public enum Rejection: Error, Equatable, Sendable, CustomStringConvertible {
        /// More `..` segments than there are segments above them.
        case climbsAboveRoot
        /// `%2F` or `%5C` while `encodedSlashes` is `reject`.
        case encodedSlash
        /// A raw `\`.
        case backslash

        public var description: String {
            switch self {
            case .climbsAboveRoot: "a \"..\" climbs above \"/\""
            case .encodedSlash: "it holds %2F or %5C, and limits.encodedSlashes is \"reject\""
            case .backslash: "it holds a \"\\\""
            }
        }
    }

    public static func normalize(_ path: String, encodedSlashes: Limits.EncodedSlashes) -> Result<String, Rejection> {
        // Most paths hold none of the bytes this is about: they are returned as they are,
        // without a copy.
        guard path.utf8.contains(where: { $0 == dot || $0 == percent || $0 == backslash }) else { return .success(path) }
        let bytes = Array(path.utf8)
        var output: [ArraySlice<UInt8>] = []
        var changed = false
        // Segments after the leading "/": "/a//b/" is "a", "", "b", "".
        let segments = bytes.dropFirst().split(separator: slash, omittingEmptySubsequences: false)
        for (index, segment) in segments.enumerated() {
            if segment.contains(backslash) { return .failure(.backslash) }
            if encodedSlashes == .reject, containsEncodedSlash(segment) { return .failure(.encodedSlash) }
            let isLast = index == segments.count - 1
            switch dotSegment(segment) {
            case 0:
                output.append(segment)
                continue
            case 1:
                changed = true
            default:
                guard !output.isEmpty else { return .failure(.climbsAboveRoot) }
                output.removeLast()
                changed = true
            }
            // "/a/b/.." is "/a/": a final dot-segment leaves the directory it names.
            if isLast { output.append([]) }
        }
        guard changed else { return .success(path) }
        var normalized: [UInt8] = []
        normalized.reserveCapacity(bytes.count)
        for segment in output {
            normalized.append(slash)
            normalized += segment
        }
        return .success(String(decoding: normalized, as: UTF8.self))
    }

    /// 1 for `.`, 2 for `..` (each dot literal or `%2E`/`%2e`), 0 for any other segment.
    private static func dotSegment(_ segment: ArraySlice<UInt8>) -> Int {
        var dots = 0
        var index = segment.startIndex
        while index < segment.endIndex {
            if segment[index] == dot {
                index += 1
            } else if isEncodedDot(segment, at: index) {
                index += 3
            } else {
                return 0
            }
            dots += 1
            if dots > 2 { return 0 }
        }
        return dots
    }

    private static func isEncodedDot(_ segment: ArraySlice<UInt8>, at index: Int) -> Bool {
        segment.endIndex - index >= 3 && segment[index] == percent && segment[index + 1] == UInt8(ascii: "2")
            && segment[index + 2] | 0x20 == UInt8(ascii: "e")
    }

    private static func containsEncodedSlash(_ segment: ArraySlice<UInt8>) -> Bool {
        var index = segment.startIndex
        while let mark = segment[index...].firstIndex(of: percent) {
            guard segment.endIndex - mark >= 3 else { return false }
            let (high, low) = (segment[mark + 1], segment[mark + 2] | 0x20)
            if (high == UInt8(ascii: "2") && low == UInt8(ascii: "f")) || (high == UInt8(ascii: "5") && low == UInt8(ascii: "c")) {
                return true
            }
            index = mark + 1
        }
        return false
    }

    private static let slash = UInt8(ascii: "/")
    private static let dot = UInt8(ascii: ".")
    private static let percent = UInt8(ascii: "%")
    private static let backslash = UInt8(ascii: "\\")
}
