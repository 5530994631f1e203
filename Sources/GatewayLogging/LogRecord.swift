import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What one line says, in the order both formats write it: the fixed fields, then metadata by key.
struct LogRecord {
    /// The fixed fields, which metadata keys must not shadow.
    static let reservedKeys: Set<String> = ["time", "level", "logger", "msg"]

    let time: timespec
    let level: Logger.Level
    let logger: String
    let message: String
    /// Sorted by key so equal metadata always yields the same line.
    let fields: [(key: String, value: Logger.MetadataValue)]

    /// Merges `handlerMetadata` with the call's metadata (the call wins) and the call's error, if any.
    ///
    /// A metadata key equal to a fixed field is written as `fields.<key>` (logrus's convention) rather
    /// than repeated, since a duplicate `level` or `msg` would let metadata masquerade as the real one.
    init(time: timespec, label: String, event: LogEvent, handlerMetadata: Logger.Metadata) {
        var merged = handlerMetadata
        if let callMetadata = event.metadata {
            merged.merge(callMetadata) { _, call in call }
        }
        if let error = event.error {
            // The keys swift-log's StreamLogHandler uses, so errors read the same across handlers.
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        self.time = time
        self.level = event.level
        self.logger = label
        self.message = event.message.description
        self.fields = merged
            .map { (key: Self.reservedKeys.contains($0.key) ? "fields.\($0.key)" : $0.key, value: $0.value) }
            .sorted { $0.key < $1.key }
    }
}
