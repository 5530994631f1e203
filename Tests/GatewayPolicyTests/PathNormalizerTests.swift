import GatewayConfig
import GatewayPolicy
import Testing

/// SPEC §11 path normalisation: RFC 3986 §5.2.4 dot-segment removal, `%2E` read as a dot,
/// a climb above "/" refused, encoded slashes per `limits.encodedSlashes`, nothing else touched.
@Suite("PathNormalizer")
struct PathNormalizerTests {
    typealias Outcome = Result<String, PathNormalizer.Rejection>

    /// RFC 3986 §5.4's reference resolutions against base path "/b/c/d;p", written as the
    /// merged paths §5.2.3 hands to remove_dot_segments. Where the RFC drops a ".." above the
    /// root (§5.4.2), the gateway refuses it.
    static let rfc3986Examples: [(path: String, expected: Outcome)] = [
        ("/b/c/./g", .success("/b/c/g")),
        ("/b/c/g/", .success("/b/c/g/")),
        ("/b/c/.", .success("/b/c/")),
        ("/b/c/./", .success("/b/c/")),
        ("/b/c/..", .success("/b/")),
        ("/b/c/../", .success("/b/")),
        ("/b/c/../g", .success("/b/g")),
        ("/b/c/../..", .success("/")),
        ("/b/c/../../", .success("/")),
        ("/b/c/../../g", .success("/g")),
        ("/b/c/../../../g", .failure(.climbsAboveRoot)),
        ("/b/c/../../../../g", .failure(.climbsAboveRoot)),
        ("/./g", .success("/g")),
        ("/../g", .failure(.climbsAboveRoot)),
        ("/b/c/g.", .success("/b/c/g.")),
        ("/b/c/.g", .success("/b/c/.g")),
        ("/b/c/g..", .success("/b/c/g..")),
        ("/b/c/..g", .success("/b/c/..g")),
        ("/b/c/./../g", .success("/b/g")),
        ("/b/c/./g/.", .success("/b/c/g/")),
        ("/b/c/g/./h", .success("/b/c/g/h")),
        ("/b/c/g/../h", .success("/b/c/h")),
        ("/b/c/g;x=1/./y", .success("/b/c/g;x=1/y")),
        ("/b/c/g;x=1/../y", .success("/b/c/y")),
        // §5.2.4's own worked examples.
        ("/a/b/c/./../../g", .success("/a/g")),
        ("/mid/content=5/../6", .success("/mid/6")),
    ]

    @Test("RFC 3986 §5.4 examples", arguments: rfc3986Examples)
    func rfc3986(path: String, expected: Outcome) {
        #expect(PathNormalizer.normalize(path, encodedSlashes: .reject) == expected)
    }

    static let cases: [(path: String, expected: Outcome)] = [
        // Nothing to do: returned as is.
        ("/", .success("/")),
        ("/fn/hello", .success("/fn/hello")),
        ("/file.tar.gz", .success("/file.tar.gz")),
        ("/a/.../b", .success("/a/.../b")),
        // Dot-segments.
        ("/a/./b", .success("/a/b")),
        ("/a/../b", .success("/b")),
        ("/pub/../secret/x", .success("/secret/x")),
        ("/a/b/..", .success("/a/")),
        ("/a/.", .success("/a/")),
        ("/.", .success("/")),
        ("/..", .failure(.climbsAboveRoot)),
        ("/a/../..", .failure(.climbsAboveRoot)),
        ("/a/../../b", .failure(.climbsAboveRoot)),
        ("/api/v1/../../admin", .success("/admin")),
        ("/api/../../admin", .failure(.climbsAboveRoot)),
        // Encoded dots, in any case and mixed with literal ones.
        ("/pub/%2e%2e/secret", .success("/secret")),
        ("/pub/%2E%2E/secret", .success("/secret")),
        ("/pub/%2e%2E/secret", .success("/secret")),
        ("/pub/.%2e/secret", .success("/secret")),
        ("/pub/%2e./secret", .success("/secret")),
        ("/a/%2e/b", .success("/a/b")),
        ("/%2e%2e/etc", .failure(.climbsAboveRoot)),
        ("/a/%2e%2e%2e/b", .success("/a/%2e%2e%2e/b")),
        ("/a/x%2e%2e/b", .success("/a/x%2e%2e/b")),
        ("/a/%2e%2e;x/b", .success("/a/%2e%2e;x/b")),
        // Only one level of encoding is read: %252e is "%2e" to a backend, not a dot.
        ("/a/%252e%252e/b", .success("/a/%252e%252e/b")),
        // Empty segments are kept; a ".." removes one as it removes any segment.
        ("//", .success("//")),
        ("/a//b", .success("/a//b")),
        ("/a//../b", .success("/a/b")),
        ("//..", .success("/")),
        ("//../..", .failure(.climbsAboveRoot)),
        // Encoded slashes and backslashes.
        ("/a%2Fb", .failure(.encodedSlash)),
        ("/a%2fb", .failure(.encodedSlash)),
        ("/pub/..%2Fsecret", .failure(.encodedSlash)),
        ("/a%5Cb", .failure(.encodedSlash)),
        ("/a%5cb", .failure(.encodedSlash)),
        ("/a\\b", .failure(.backslash)),
        ("/pub\\..\\secret", .failure(.backslash)),
        // Other percent-encodings, malformed ones included, pass byte for byte.
        ("/a%20b/%41/../c", .success("/a%20b/c")),
        ("/a%zz/./b%", .success("/a%zz/b%")),
        ("/a%2/./b", .success("/a%2/b")),
        ("/caf%C3%A9/./x", .success("/caf%C3%A9/x")),
    ]

    @Test("dot-segments, encoded dots, climbs, empty segments, slashes (encodedSlashes: reject)", arguments: cases)
    func rejectMode(path: String, expected: Outcome) {
        #expect(PathNormalizer.normalize(path, encodedSlashes: .reject) == expected)
    }

    static let keepCases: [(path: String, expected: Outcome)] = [
        ("/a%2Fb", .success("/a%2Fb")),
        ("/a%5cb", .success("/a%5cb")),
        // Never a separator: "..%2F" is a name, not a dot-segment, and ".." removes all of "a%2Fb".
        ("/pub/..%2Fsecret", .success("/pub/..%2Fsecret")),
        ("/pub/%2e%2e%2fsecret", .success("/pub/%2e%2e%2fsecret")),
        ("/x/a%2Fb/../c", .success("/x/c")),
        ("/a%2F../..", .success("/")),
        ("/a%2F..%2F../..", .success("/")),
        ("/../a%2Fb", .failure(.climbsAboveRoot)),
        ("/a\\b", .failure(.backslash)),
    ]

    @Test("encodedSlashes: keep leaves %2F and %5C encoded and inside their segment", arguments: keepCases)
    func keepMode(path: String, expected: Outcome) {
        #expect(PathNormalizer.normalize(path, encodedSlashes: .keep) == expected)
    }

    @Test("a normalised path is a fixed point", arguments: cases.compactMap { try? $0.expected.get() })
    func idempotent(path: String) {
        #expect(PathNormalizer.normalize(path, encodedSlashes: .reject) == .success(path))
    }
}
