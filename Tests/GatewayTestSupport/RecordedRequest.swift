/// One request as ``TestBackend`` received it.
///
/// Recorded as soon as its head arrives and updated as body bytes are read, so requests that
/// are never answered (`/silent`, `/no-read`) or cut short are visible too.
public struct RecordedRequest: Sendable {
    /// Which accepted TCP connection carried it, counting from 1 in accept order; lets a test
    /// see whether a client reused a keep-alive connection.
    public var connection: Int
    public var method: String
    public var uri: String
    /// Header lines in wire order, names spelled as received, duplicates kept.
    public var headers: [(String, String)]
    /// Body bytes read so far.
    public var bodyBytes: Int
    /// ``BodyChecksum`` hex of the body bytes read so far.
    public var checksum: String
    /// True once the end of the request (after its body, if any) was read.
    public var bodyComplete: Bool

    /// Values of every header line with this name, compared case-insensitively, in order.
    public func values(of name: String) -> [String] {
        let wanted = name.lowercased()
        return self.headers.filter { $0.0.lowercased() == wanted }.map(\.1)
    }

    /// Header names in wire order, as spelled on the wire.
    public var headerNames: [String] { self.headers.map(\.0) }
}
