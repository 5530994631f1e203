// Label values of one series of a multi-label family. `dimensions` fixes the label order: the
// registry tells series apart by the ordered label list, so one family must always use one order.

struct RequestSeries: Hashable, Sendable {
    let route: String
    let method: String
    let status: Int

    var dimensions: [(String, String)] {
        [("route", route), ("method", method), ("status", String(status))]
    }
}

struct PreflightSeries: Hashable, Sendable {
    let route: String
    let allowed: Bool
    let mode: CORSDecisionMode

    var dimensions: [(String, String)] {
        [("route", route), ("result", allowed ? "allowed" : "rejected"), ("mode", mode.rawValue)]
    }
}

struct RejectionSeries: Hashable, Sendable {
    let route: String
    let reason: String
    let mode: CORSDecisionMode

    var dimensions: [(String, String)] {
        [("route", route), ("reason", reason), ("mode", mode.rawValue)]
    }
}

struct ConnectionSeries: Hashable, Sendable {
    let listener: String
    let protocolName: String
    let tls: Bool

    var dimensions: [(String, String)] {
        [("listener", listener), ("protocol", protocolName), ("tls", tls ? "true" : "false")]
    }
}

struct ListenerSeries: Hashable, Sendable {
    let listener: String
    /// The second label's name and value (a certificate's subject, a reload's result).
    let name: String
    let value: String

    var dimensions: [(String, String)] {
        [("listener", listener), (name, value)]
    }
}
