import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What every line starts and ends with, in either format: the fixed fields `time`, `level`,
/// `logger` and `msg`, shared by `StructuredLogHandler`'s lines and `LineLogger`'s.
extension Array where Element == UInt8 {
    mutating func appendFixedFields(_ format: LogFormat, time: timespec, level: Logger.Level, logger: String, message: String) {
        switch format {
        case .logfmt:
            append(ascii: "time=")
            append(rfc3339: time)
            append(ascii: " level=")
            append(logfmtValue: level.rawValue)
            append(ascii: " logger=")
            append(logfmtValue: logger)
            append(ascii: " msg=")
            append(logfmtValue: message)
        case .json:
            append(ascii: "{\"time\":\"")
            append(rfc3339: time)
            append(ascii: "\",\"level\":")
            append(jsonString: level.rawValue)
            append(ascii: ",\"logger\":")
            append(jsonString: logger)
            append(ascii: ",\"msg\":")
            append(jsonString: message)
        }
    }

    /// Closes the line's object in JSON; logfmt has nothing to close.
    mutating func appendLineEnd(_ format: LogFormat) {
        if format == .json { append(UInt8(ascii: "}")) }
    }
}
