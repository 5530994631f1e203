/// A JSON syntax error with the position an editor shows (1-based line and column).
struct JSONSyntaxError: Error, Sendable, CustomStringConvertible {
    var line: Int
    var column: Int
    var message: String

    var description: String { "invalid JSON at line \(line), column \(column): \(message)" }
}

/// The parsed document plus its duplicate keys.
///
/// Duplicate keys are not syntax errors here: reporting them by JSON path lets a duplicate
/// inside one route reject only that route.
struct ParsedDocument: Sendable {
    var root: JSONValue
    var duplicateKeys: [(path: JSONPath, message: String)]
}

/// A strict RFC 8259 parser into `JSONValue`.
///
/// Hand-written rather than JSONSerialization because that one loses key order, conflates
/// `true` with `1` on Linux, silently keeps one of two duplicate keys and reports no line/column.
struct JSONParser {
    static let maxDepth = 128

    private let bytes: [UInt8]
    private var position = 0
    private var line = 1
    private var lineStart = 0
    private var depth = 0
    private var duplicateKeys: [(path: JSONPath, message: String)] = []

    static func parse(_ bytes: [UInt8]) -> Result<ParsedDocument, JSONSyntaxError> {
        var parser = JSONParser(bytes: bytes)
        do throws(JSONSyntaxError) {
            let root = try parser.parseDocument()
            return .success(ParsedDocument(root: root, duplicateKeys: parser.duplicateKeys))
        } catch {
            return .failure(error)
        }
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private mutating func parseDocument() throws(JSONSyntaxError) -> JSONValue {
        // Editors on some platforms prepend a UTF-8 byte order mark; it carries no meaning.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3; lineStart = 3 }
        skipWhitespace()
        guard position < bytes.count else { throw failure("the file is empty; expected a JSON object") }
        let root = try parseValue(at: .root)
        skipWhitespace()
        guard position == bytes.count else {
            throw unexpected("after the end of the JSON document", separator: " ")
        }
        return root
    }

    // MARK: Values

    private mutating func parseValue(at path: JSONPath) throws(JSONSyntaxError) -> JSONValue {
        skipWhitespace()
        guard position < bytes.count else { throw failure("unexpected end of file; expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject(at: path)
        case UInt8(ascii: "["): return try parseArray(at: path)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw unexpected("expected a value")
        }
    }

    private mutating func parseObject(at path: JSONPath) throws(JSONSyntaxError) -> JSONValue {
        try enterContainer()
        defer { depth -= 1 }
        position += 1
        var members: [(key: String, value: JSONValue)] = []
        var seen = Set<String>()
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else {
                if peek() == UInt8(ascii: "}") { throw failure("trailing comma before '}'; JSON does not allow one") }
                throw unexpected("expected a string key in double quotes")
            }
            let keyLine = line
            let keyColumn = column(at: position)
            let key = try parseString()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else {
                throw unexpected("expected ':' after the key \"\(key)\"")
            }
            position += 1
            let value = try parseValue(at: path.key(key))
            if seen.insert(key).inserted {
                members.append((key, value))
            } else {
                duplicateKeys.append((path.key(key),
                    "duplicate key (again at line \(keyLine), column \(keyColumn)); a key may appear only once per object"))
            }
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return .object(members)
            default: throw unexpected("expected ',' or '}' after the value of \"\(key)\"")
            }
        }
    }

    private mutating func parseArray(at path: JSONPath) throws(JSONSyntaxError) -> JSONValue {
        try enterContainer()
        defer { depth -= 1 }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            if peek() == UInt8(ascii: "]") { throw failure("trailing comma before ']'; JSON does not allow one") }
            elements.append(try parseValue(at: path.index(elements.count)))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return .array(elements)
            default: throw unexpected("expected ',' or ']' after an array element")
            }
        }
    }

    private mutating func enterContainer() throws(JSONSyntaxError) {
        depth += 1
        // Bounded so a hostile or broken file cannot overflow the stack.
        guard depth <= JSONParser.maxDepth else { throw failure("nesting is deeper than \(JSONParser.maxDepth) levels") }
    }

    private mutating func parseLiteral(_ literal: String, _ value: JSONValue) throws(JSONSyntaxError) -> JSONValue {
        guard bytes[position...].starts(with: literal.utf8) else {
            throw unexpected("expected a value (true, false, null, a number, a string, an array or an object)")
        }
        position += literal.utf8.count
        return value
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> Double {
        let start = position
        if peek() == UInt8(ascii: "-") { position += 1 }
        if peek() == UInt8(ascii: "0") {
            position += 1
            if isDigit(peek()) { throw failure("leading zeros are not allowed in numbers", at: start) }
        } else {
            try digits(after: "'-'")
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            try digits(after: "'.'")
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            try digits(after: "the exponent")
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw failure("the number \(text) is out of range", at: start)
        }
        return value
    }

    private mutating func digits(after what: String) throws(JSONSyntaxError) {
        guard isDigit(peek()) else { throw failure("expected a digit after \(what)") }
        while isDigit(peek()) { position += 1 }
    }

    // MARK: Strings

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        let start = position
        position += 1
        // Most strings have no escapes; only those pay for a separate buffer.
        var unescaped: [UInt8]? = nil
        var segmentStart = position
        while true {
            guard position < bytes.count else { throw failure("unterminated string", at: start) }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let tail = bytes[segmentStart..<position]
                position += 1
                let decoded: String?
                if var buffer = unescaped {
                    buffer.append(contentsOf: tail)
                    decoded = String(validating: buffer, as: UTF8.self)
                } else {
                    decoded = String(validating: tail, as: UTF8.self)
                }
                guard let string = decoded else { throw failure("the string is not valid UTF-8", at: start) }
                return string
            } else if byte == UInt8(ascii: "\\") {
                var buffer = unescaped ?? []
                buffer.append(contentsOf: bytes[segmentStart..<position])
                try parseEscape(into: &buffer)
                unescaped = buffer
                segmentStart = position
            } else if byte < 0x20 {
                throw failure("control character in a string; write it as an escape such as \\n or \\u001f")
            } else {
                position += 1
            }
        }
    }

    private mutating func parseEscape(into buffer: inout [UInt8]) throws(JSONSyntaxError) {
        let start = position
        position += 1
        guard position < bytes.count else { throw failure("unterminated string", at: start) }
        let escaped = bytes[position]
        position += 1
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(escaped)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            var scalarValue = try parseHex4(escapeStart: start)
            if (0xD800...0xDBFF).contains(scalarValue) {
                guard bytes[position...].starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "u")]) else {
                    throw failure("unpaired UTF-16 surrogate in a \\u escape", at: start)
                }
                position += 2
                let low = try parseHex4(escapeStart: start)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw failure("unpaired UTF-16 surrogate in a \\u escape", at: start)
                }
                scalarValue = 0x10000 + ((scalarValue - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(scalarValue) else {
                throw failure("unpaired UTF-16 surrogate in a \\u escape", at: start)
            }
            buffer.append(contentsOf: UTF8.encode(scalar)!)
        default:
            throw failure("invalid escape; allowed: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX", at: start)
        }
    }

    private mutating func parseHex4(escapeStart: Int) throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard position < bytes.count, let digit = hexValue(bytes[position]) else {
                throw failure("\\u must be followed by four hexadecimal digits", at: escapeStart)
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    // MARK: Scanning helpers

    private func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private func isDigit(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                position += 1
            case UInt8(ascii: "\n"):
                position += 1
                line += 1
                lineStart = position
            default:
                return
            }
        }
    }

    private func describeCurrent() -> String {
        guard let byte = peek() else { return "end of file" }
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return byte >= 0x80 ? "non-ASCII character" : "control character 0x\(String(byte, radix: 16))"
    }

    /// Columns count characters, not bytes, so they agree with an editor on non-ASCII lines.
    private func column(at offset: Int) -> Int {
        bytes[lineStart..<offset].reduce(1) { count, byte in (byte & 0xC0) == 0x80 ? count : count + 1 }
    }

    /// "unexpected X; expected Y", except that a "/" gets the message people copying JSONC need.
    private func unexpected(_ expectation: String, separator: String = "; ") -> JSONSyntaxError {
        if peek() == UInt8(ascii: "/") { return failure("comments are not allowed in JSON") }
        return failure("unexpected \(describeCurrent())\(separator)\(expectation)")
    }

    private func failure(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(line: line, column: column(at: offset ?? position), message: message)
    }
}
