import Logging
import NIOConcurrencyHelpers

/// A swift-log handler that keeps every entry in memory, for asserting on log lines' fields.
public final class CapturedLog: Sendable {
    public struct Entry: Sendable {
        public let level: Logger.Level
        public let message: String
        public let metadata: [String: String]

        public init(level: Logger.Level, message: String, metadata: [String: String]) {
            self.level = level
            self.message = message
            self.metadata = metadata
        }

        public subscript(_ key: String) -> String? { metadata[key] }
    }

    private let storage = NIOLockedValueBox<[Entry]>([])

    public init() {}

    public var entries: [Entry] { self.storage.withLockedValue { $0 } }

    /// For `Logger(label:factory:)`.
    public func handler(label: String) -> any LogHandler {
        Handler(log: self)
    }

    fileprivate func append(_ entry: Entry) {
        self.storage.withLockedValue { $0.append(entry) }
    }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = self.metadata.merging(event.metadata ?? [:]) { _, new in new }
            self.log.append(Entry(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }
}
