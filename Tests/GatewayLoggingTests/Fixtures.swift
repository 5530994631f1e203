import Logging
@testable import GatewayLogging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// 2026-11-30T02:10:00.123Z
let fixedTime = timespec(tv_sec: 1_796_004_600, tv_nsec: 123_456_789)

func record(
    _ message: Logger.Message = "hello",
    level: Logger.Level = .info,
    metadata: Logger.Metadata? = nil,
    handlerMetadata: Logger.Metadata = [:],
    error: (any Error)? = nil
) -> LogRecord {
    let event = LogEvent(
        level: level, message: message, error: error, metadata: metadata,
        source: "Tests", file: #fileID, function: #function, line: #line
    )
    return LogRecord(time: fixedTime, label: "test", event: event, handlerMetadata: handlerMetadata)
}

func logfmt(_ value: String) -> String {
    var bytes: [UInt8] = []
    bytes.append(logfmtValue: value)
    return String(decoding: bytes, as: UTF8.self)
}

func json(_ value: Logger.MetadataValue) -> String {
    var bytes: [UInt8] = []
    bytes.append(jsonValue: value)
    return String(decoding: bytes, as: UTF8.self)
}
