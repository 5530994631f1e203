import Logging

public enum GatewayLogging {
    /// Bootstraps `LoggingSystem` with `StructuredLogHandler` for every logger, at `level`.
    ///
    /// swift-log allows one bootstrap per process (a second call traps), so call this once, early in
    /// `main`, before any `Logger` is created; loggers created earlier keep swift-log's default handler.
    public static func bootstrap(format: LogFormat, level: Logger.Level, writer: LogLineWriter) {
        LoggingSystem.bootstrap { label in
            var handler = StructuredLogHandler(label: label, format: format, writer: writer)
            handler.logLevel = level
            return handler
        }
    }
}
