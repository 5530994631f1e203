// Strict reading of JSON values into Swift values: every problem becomes an issue with its
// JSON path, and reading goes on so one pass reports everything that is wrong.

/// One JSON object being read; keys outside `allowed` are reported as soon as it is opened.
struct ObjectReader {
    let path: JSONPath
    private let members: [(key: String, value: JSONValue)]

    /// nil (with an issue) when `value` is not an object.
    init?(_ value: JSONValue, at path: JSONPath, allowed: [String], _ diagnostics: inout Diagnostics) {
        guard case .object(let members) = value else {
            diagnostics.error(path, "expected an object, got \(value.kindDescription)")
            return nil
        }
        for member in members where !allowed.contains(member.key) {
            diagnostics.error(path.key(member.key), "unknown key; allowed: \(allowed.joined(separator: ", "))")
        }
        self.path = path
        self.members = members
    }

    /// The raw value under `key`, nil when absent (an explicit null is present).
    func value(_ key: String) -> JSONValue? {
        members.first(where: { $0.key == key })?.value
    }

    /// Reads an optional key: nil when absent or invalid (invalid values leave an issue).
    func read<T>(_ key: String, _ diagnostics: inout Diagnostics, _ decode: JSONRead.Decoder<T>) -> T? {
        guard let value = value(key) else { return nil }
        return decode(value, path.key(key), &diagnostics)
    }

    /// Reads a key the object must have; a missing one is reported with what belongs there.
    func require<T>(_ key: String, expecting expected: String, _ diagnostics: inout Diagnostics, _ decode: JSONRead.Decoder<T>) -> T? {
        guard let value = value(key) else {
            diagnostics.error(path.key(key), "required key is missing; expected \(expected)")
            return nil
        }
        return decode(value, path.key(key), &diagnostics)
    }
}

/// Readers for the JSON shapes gateway.json uses, each reporting "expected X, got Y".
enum JSONRead {
    typealias Decoder<T> = (JSONValue, JSONPath, inout Diagnostics) -> T?

    /// Large enough for any limit or timeout, small enough to be exact in a JSON number.
    static let maxInteger = 1 << 53

    static func string(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> String? {
        guard case .string(let string) = value else {
            diagnostics.error(path, "expected a string, got \(value.kindDescription)")
            return nil
        }
        return string
    }

    static func positiveInteger(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> Int? {
        guard case .number(let number) = value, let integer = Int(exactly: number), (1...maxInteger).contains(integer) else {
            diagnostics.error(path, "expected a positive integer, got \(value.kindDescription)")
            return nil
        }
        return integer
    }

    /// An integer inside `range`; anything else (a fraction, a string, out of range) is refused
    /// with the range spelled out.
    static func integer(in range: ClosedRange<Int>) -> Decoder<Int> {
        { value, path, diagnostics in
            guard case .number(let number) = value, let integer = Int(exactly: number), range.contains(integer) else {
                diagnostics.error(path, "expected an integer from \(range.lowerBound) to \(range.upperBound), got \(value.kindDescription)")
                return nil
            }
            return integer
        }
    }

    /// Kept raw (for /config): `cors` and `cookies` are validated field by field by
    /// `CORSFields` and `CookieFields`.
    static func object(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> JSONValue? {
        guard case .object = value else {
            diagnostics.error(path, "expected an object, got \(value.kindDescription)")
            return nil
        }
        return value
    }

    /// An array of strings; element problems are reported at `path[i]`, `empty` explains why [] is refused.
    static func stringArray(refusingEmpty empty: String) -> Decoder<[String]> {
        { value, path, diagnostics in
            guard case .array(let elements) = value else {
                diagnostics.error(path, "expected an array of strings, got \(value.kindDescription)")
                return nil
            }
            if elements.isEmpty {
                diagnostics.error(path, empty)
                return nil
            }
            var strings: [String] = []
            for (index, element) in elements.enumerated() {
                if let string = JSONRead.string(element, path.index(index), &diagnostics) { strings.append(string) }
            }
            return strings.count == elements.count ? strings : nil
        }
    }

    /// `string` plus a rule check, for values whose syntax is fixed.
    static func string(checkedBy problem: @escaping (String) -> String?) -> Decoder<String> {
        { value, path, diagnostics in
            guard let string = JSONRead.string(value, path, &diagnostics) else { return nil }
            if let message = problem(string) {
                diagnostics.error(path, message)
                return nil
            }
            return string
        }
    }
}
