/// One header field line as it came over the wire (name as sent, value without surrounding
/// whitespace).
public struct HeaderField: Sendable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// What a browser's network stack keeps of a response for the CORS decisions: the status and
/// the header lines in order.
public struct ResponseHead: Sendable, Hashable {
    public var status: Int
    public var fields: [HeaderField]

    public init(status: Int, fields: [HeaderField]) {
        self.status = status
        self.fields = fields
    }

    /// Fetch's "get" of a header: every line named `name` (case-insensitively), values joined
    /// with ", "; nil when there is none. Two `Access-Control-Allow-Origin` lines therefore read
    /// as one value with a comma, which no origin equals.
    public func combinedValue(_ name: String) -> String? {
        let lower = asciiLowercased(name)
        let values = self.fields.filter { asciiLowercased($0.name) == lower }.map(\.value)
        return values.isEmpty ? nil : values.joined(separator: ", ")
    }

    public func contains(_ name: String) -> Bool { self.combinedValue(name) != nil }
}
