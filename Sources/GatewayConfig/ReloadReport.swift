/// How a reload ended (SPEC §8, §9).
public enum ReloadResult: String, Sendable, CaseIterable {
    /// Something changed and every route of the file was accepted.
    case applied
    /// The file was read, but at least one route was rejected (it keeps its previous version,
    /// or is absent when it is new); everything valid was applied.
    case partial
    /// The file describes exactly what runs.
    case unchanged
    /// The file could not be read or parsed, or a top-level section is invalid: nothing changed.
    case rejected
}

/// The outcome of one reload: the body of `POST /reload` and `lastReload` in `GET /config`.
public struct ReloadReport: Sendable, Equatable {
    public struct RejectedRoute: Sendable, Equatable {
        /// The route's name, or its position (`routes[3]`) when it has no usable name.
        public var route: String
        public var errors: [String]

        public init(route: String, errors: [String]) {
            self.route = route
            self.errors = errors
        }
    }

    public var result: ReloadResult
    /// The config generation after the reload.
    public var generation: Int
    /// "sha256:<hex>" over the bytes read; "" when the file could not be read.
    public var hash: String
    /// Routes whose new definition replaced the one running.
    public var applied: [String] = []
    public var unchanged: [String] = []
    public var removed: [String] = []
    public var added: [String] = []
    public var rejected: [RejectedRoute] = []
    /// Settings that differ from what runs but apply only at start (`listen`, `admin`).
    public var needsRestart: [String] = []
    /// Top-level errors, when `result` is `rejected`.
    public var errors: [String] = []
    /// Other sections whose change was applied (`limits`, `defaults`).
    public var settings: [String] = []
    /// Backends added, changed or removed (routes that use a changed backend are `applied`).
    public var backendsAdded: [String] = []
    public var backendsChanged: [String] = []
    public var backendsRemoved: [String] = []

    public init(result: ReloadResult, generation: Int, hash: String) {
        self.result = result
        self.generation = generation
        self.hash = hash
    }

    /// A reload that changed nothing because the file was unreadable or invalid at the top level.
    public static func rejected(errors: [ConfigIssue], generation: Int, hash: String) -> ReloadReport {
        var report = ReloadReport(result: .rejected, generation: generation, hash: hash)
        report.errors = errors.map(\.description)
        return report
    }

    /// The SPEC §8 shape, keys in SPEC order, then the backend and settings details.
    public var jsonValue: JSONValue {
        func names(_ list: [String]) -> JSONValue { .array(list.map(JSONValue.string)) }
        return .object([
            ("result", .string(result.rawValue)),
            ("generation", .number(Double(generation))),
            ("hash", .string(hash)),
            ("applied", names(applied)),
            ("unchanged", names(unchanged)),
            ("removed", names(removed)),
            ("added", names(added)),
            ("rejected", .array(rejected.map { .object([("route", .string($0.route)), ("errors", names($0.errors))]) })),
            ("needsRestart", names(needsRestart)),
            ("errors", names(errors)),
            ("settings", names(settings)),
            ("backends", .object([("added", names(backendsAdded)), ("changed", names(backendsChanged)), ("removed", names(backendsRemoved))])),
        ])
    }
}
