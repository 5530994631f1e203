/// A JSON document with object keys kept in insertion order, rendered pretty-printed for
/// people reading `curl` output (Foundation's serializers do not keep key order on Linux).
indirect enum JSONValue {
    case string(String)
    case number(Int)
    case array([JSONValue])
    case object([(String, JSONValue)])

    /// Two-space indentation; arrays of plain values stay on one line so that a header such as
    /// `["Cookie", "a=1"]` reads as one.
    func rendered(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .string(let text):
            return Self.quoted(text)
        case .number(let number):
            return String(number)
        case .array(let elements) where elements.isEmpty:
            return "[]"
        case .array(let elements) where elements.allSatisfy(\.isScalar):
            return "[" + elements.map { $0.rendered() }.joined(separator: ", ") + "]"
        case .array(let elements):
            let lines = elements.map { inner + $0.rendered(indent: inner) }
            return "[\n" + lines.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let members) where members.isEmpty:
            return "{}"
        case .object(let members):
            let lines = members.map { inner + Self.quoted($0.0) + ": " + $0.1.rendered(indent: inner) }
            return "{\n" + lines.joined(separator: ",\n") + "\n" + indent + "}"
        }
    }

    private var isScalar: Bool {
        switch self {
        case .string, .number: true
        case .array, .object: false
        }
    }

    private static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
