#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The fields of one line, appended in place in the line's format: what `StructuredLogHandler`
/// writes for the same metadata, without the metadata dictionary, its merge and its sort.
///
/// Keys must be added in ascending order (the handler's order), each at most once.
public struct LineFields {
    let format: LogFormat
    var bytes: [UInt8]
    #if DEBUG
    private var lastKey = ""
    #endif

    init(format: LogFormat, bytes: [UInt8]) {
        self.format = format
        self.bytes = bytes
    }

    public mutating func add(_ key: StaticString, _ value: String) {
        appendKey(key)
        switch format {
        case .logfmt: bytes.append(logfmtValue: value)
        case .json: bytes.append(jsonString: value)
        }
    }

    /// As `.stringConvertible(value)` would be written: a JSON number, a bare logfmt value.
    public mutating func add(_ key: StaticString, _ value: Int) {
        appendKey(key)
        if value >= 0 {
            bytes.append(decimal: value, width: 1)  // no String on the common path
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    public mutating func add(_ key: StaticString, _ value: Bool) {
        appendKey(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// As `.stringConvertible(value)` would be written; finite values only (JSON has no NaN).
    public mutating func add(_ key: StaticString, _ value: Double) {
        precondition(value.isFinite, "a log field's number must be finite")
        appendKey(key)
        bytes.append(contentsOf: value.description.utf8)
    }

    private mutating func appendKey(_ key: StaticString) {
        #if DEBUG
        let name = key.description
        assert(name > lastKey, "fields must be added in ascending key order: \(name) after \(lastKey)")
        lastKey = name
        #endif
        switch format {
        case .logfmt:
            bytes.append(UInt8(ascii: " "))
            bytes.append(ascii: key)
            bytes.append(UInt8(ascii: "="))
        case .json:
            bytes.append(ascii: ",\"")
            bytes.append(ascii: key)
            bytes.append(ascii: "\":")
        }
    }
}
