/// The shape of a log line: logfmt for people reading a terminal, JSON for log shippers.
public enum LogFormat: String, Sendable, CaseIterable {
    case logfmt
    case json
}
