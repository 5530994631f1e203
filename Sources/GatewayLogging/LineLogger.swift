import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A logger for one line shape written on every request (the access log): the line goes
/// straight into the `LogLineWriter`'s buffer in the process's format, byte for byte what
/// swift-log and `StructuredLogHandler` would write for the same label, level, message and
/// metadata, at a fraction of the cost.
public struct LineLogger: Sendable {
    public let label: String
    public let format: LogFormat
    /// Lines below this level are not written, as with a swift-log `Logger`.
    public let logLevel: Logger.Level
    private let writer: LogLineWriter
    private let clock: @Sendable () -> timespec

    /// - Parameter clock: The time each line is stamped with; tests pass a fixed one.
    public init(
        label: String, format: LogFormat, logLevel: Logger.Level, writer: LogLineWriter,
        clock: @escaping @Sendable () -> timespec = realtimeNow
    ) {
        self.label = label
        self.format = format
        self.logLevel = logLevel
        self.writer = writer
        self.clock = clock
    }

    /// Writes one line; `fields` adds its fields in ascending key order.
    public func log(_ level: Logger.Level, _ message: StaticString, fields: (inout LineFields) -> Void) {
        guard level >= logLevel else { return }
        let time = clock()
        writer.write { bytes in
            var line = LineFields(format: format, bytes: [])
            swap(&line.bytes, &bytes)  // build in the writer's buffer, no copy
            defer { swap(&line.bytes, &bytes) }
            line.bytes.appendFixedFields(format, time: time, level: level, logger: label, message: message.description)
            fields(&line)
            line.bytes.appendLineEnd(format)
        }
    }
}
