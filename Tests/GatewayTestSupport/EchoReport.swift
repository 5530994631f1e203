import Foundation

/// The JSON body `/echo` answers with: what the backend received, so a test can assert on the
/// request a proxy forwarded.
///
/// Wire form: `{"method":"POST","uri":"/echo?x=1","headers":[["Host","…"],…],"bodyBytes":N,"checksum":"…"}`.
public struct EchoReport: Codable, Sendable {
    public var method: String
    public var uri: String
    /// Header lines in wire order, names as received, duplicates kept.
    public var headers: [(String, String)]
    public var bodyBytes: Int
    /// ``BodyChecksum`` hex of the request body; compare with ``TestBackend/checksum(_:)``.
    public var checksum: String

    public init(method: String, uri: String, headers: [(String, String)], bodyBytes: Int, checksum: String) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.bodyBytes = bodyBytes
        self.checksum = checksum
    }

    /// Decodes a report from a response body.
    public init(json: some Sequence<UInt8>) throws {
        self = try JSONDecoder().decode(EchoReport.self, from: Data(json))
    }

    /// Values of every header line with this name, compared case-insensitively, in order.
    public func values(of name: String) -> [String] {
        let wanted = name.lowercased()
        return self.headers.filter { $0.0.lowercased() == wanted }.map(\.1)
    }

    public var headerNames: [String] { self.headers.map(\.0) }

    func jsonBytes() throws -> [UInt8] {
        Array(try JSONEncoder().encode(self))
    }

    // Tuples are not Codable: headers travel as two-element arrays.
    private enum CodingKeys: String, CodingKey {
        case method, uri, headers, bodyBytes, checksum
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.method = try container.decode(String.self, forKey: .method)
        self.uri = try container.decode(String.self, forKey: .uri)
        self.headers = try container.decode([[String]].self, forKey: .headers).map { pair in
            guard pair.count == 2 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .headers, in: container, debugDescription: "a header must be [name, value]")
            }
            return (pair[0], pair[1])
        }
        self.bodyBytes = try container.decode(Int.self, forKey: .bodyBytes)
        self.checksum = try container.decode(String.self, forKey: .checksum)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.method, forKey: .method)
        try container.encode(self.uri, forKey: .uri)
        try container.encode(self.headers.map { [$0.0, $0.1] }, forKey: .headers)
        try container.encode(self.bodyBytes, forKey: .bodyBytes)
        try container.encode(self.checksum, forKey: .checksum)
    }
}
