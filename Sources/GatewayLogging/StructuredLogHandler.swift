import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A swift-log `LogHandler` producing one structured line per message.
///
/// Formatting happens on the caller's thread (it is cheap and needs the caller's values); only the
/// finished line crosses to the `LogLineWriter`, whose thread does the I/O.
public struct StructuredLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    private let label: String
    private let format: LogFormat
    private let writer: LogLineWriter
    private let clock: @Sendable () -> timespec

    /// - Parameter clock: The time each line is stamped with; tests pass a fixed one.
    public init(
        label: String,
        format: LogFormat,
        writer: LogLineWriter,
        clock: @escaping @Sendable () -> timespec = realtimeNow
    ) {
        self.label = label
        self.format = format
        self.writer = writer
        self.clock = clock
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let record = LogRecord(time: clock(), label: label, event: event, handlerMetadata: metadata)
        switch format {
        case .logfmt: writer.write(LogfmtLine.render(record))
        case .json: writer.write(JSONLine.render(record))
        }
    }
}
