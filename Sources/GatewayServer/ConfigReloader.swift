import Crypto
import Foundation
import GatewayConfig
import GatewayMetrics
import Logging
import NIOConcurrencyHelpers
import Synchronization
import VisibleLock

/// What started a reload, for its log line.
public enum ReloadTrigger: String, Sendable {
    case file
    case signal = "SIGHUP"
    case admin = "POST /reload"
}

/// Re-reads gateway.json and applies it route by route (SPEC §9): plans with
/// `ReloadPlanner`, resolves backend runtimes, swaps the snapshot new requests see, and keeps
/// the report for `GET /config`. Reloads run one at a time, whatever triggered them.
public final class ConfigReloader: Sendable {
    private struct State: Sendable {
        var active: ActiveConfig
        var lastReport: ReloadReport?
        /// Of the bytes last read, so the file watch sees only changes made since.
        var fingerprint: FileFingerprint?
    }

    /// The config file at start: what `serve` runs, or the errors it refuses to start with.
    public struct Initial: Sendable {
        public var result: ConfigLoadResult
        fileprivate var start: (active: ActiveConfig, snapshot: GatewaySnapshot, fingerprint: FileFingerprint)?

        /// The snapshot to serve, when the file was valid (package.json files included).
        public var snapshot: GatewaySnapshot? { start?.snapshot }
    }

    public let path: String
    private let directory: String
    private let store: RouteTableStore
    private let metrics: GatewayMetrics
    private let logger: Logger
    private let state: Mutex<State>
    /// Held for a whole reload, so two triggers at once apply one after the other.
    private let reloading = NIOLock()

    /// Reads and validates `path` for start; `configDirectory` resolves package.json paths.
    public static func initialLoad(path: String, configDirectory: String) -> Initial {
        switch FileSnapshot.read(path) {
        case .failure(let failure):
            return Initial(result: ConfigLoadResult(sourcePath: path, topLevelErrors: [ConfigIssue(path: "", message: failure.description)]))
        case .success(let file):
            var result = ConfigLoader.parse(data: file.bytes, sourcePath: path)
            guard let snapshot = GatewaySnapshot.resolve(&result, configDirectory: configDirectory),
                let active = ActiveConfig(startingWith: result, hash: Self.hash(file.bytes))
            else { return Initial(result: result) }
            return Initial(result: result, start: (active, snapshot, file.fingerprint))
        }
    }

    /// `initial` must hold a snapshot; `store` must serve it.
    public init(path: String, configDirectory: String, initial: Initial, store: RouteTableStore, metrics: GatewayMetrics, logger: Logger) {
        guard let start = initial.start else { preconditionFailure("a reloader starts from a valid config") }
        self.path = path
        self.directory = configDirectory
        self.store = store
        self.metrics = metrics
        self.logger = logger
        self.state = Mutex(State(active: start.active, lastReport: nil, fingerprint: start.fingerprint))
        metrics.setConfigGeneration(start.active.generation)
    }

    /// What runs now.
    public var active: ActiveConfig { self.state.withVisibleLock(at: lockAddress(of: self)) { $0.active } }

    /// The report of the last reload; nil until the first one after start.
    public var lastReport: ReloadReport? { self.state.withVisibleLock(at: lockAddress(of: self)) { $0.lastReport } }

    var fingerprint: FileFingerprint? { self.state.withVisibleLock(at: lockAddress(of: self)) { $0.fingerprint } }

    /// Reads the file and applies it. Blocks while the file (and any package.json) is read:
    /// call it off the event loops.
    @discardableResult
    public func reload(trigger: ReloadTrigger) -> ReloadReport {
        self.reloading.withLock {
            let active = self.active
            let report: ReloadReport
            switch FileSnapshot.read(self.path) {
            case .failure(let failure):
                report = .rejected(errors: [ConfigIssue(path: "", message: failure.description)], generation: active.generation, hash: "")
            case .success(let file):
                report = self.apply(file, over: active)
            }
            self.state.withVisibleLock(at: lockAddress(of: self)) { $0.lastReport = report }
            self.metrics.recordReload(result: ReloadResultLabel(report.result))
            self.metrics.setConfigGeneration(report.generation)
            self.log(report, trigger: trigger)
            return report
        }
    }

    private func apply(_ file: FileSnapshot, over active: ActiveConfig) -> ReloadReport {
        let hash = Self.hash(file.bytes)
        let loaded = ConfigLoader.parse(data: file.bytes, sourcePath: self.path)
        let outcome = ReloadPlanner.plan(loaded, hash: hash, over: active)
        self.state.withVisibleLock(at: lockAddress(of: self)) { $0.fingerprint = file.fingerprint }
        guard let next = outcome.next else { return outcome.report }
        switch BackendRuntimes.load(table: next.table, configDirectory: self.directory) {
        case .failure(let problems):
            return .rejected(errors: problems.issues, generation: active.generation, hash: hash)
        case .success(let runtimes):
            for warning in loaded.warnings { self.logger.warning("config: \(warning)") }
            // New requests see the new snapshot; requests in flight keep the one they started with.
            self.store.replace(with: GatewaySnapshot(limits: next.limits, routes: next.table, runtimes: runtimes, listen: next.listen))
            self.state.withVisibleLock(at: lockAddress(of: self)) { $0.active = next }
            return outcome.report
        }
    }

    private func log(_ report: ReloadReport, trigger: ReloadTrigger) {
        var metadata: Logger.Metadata = [
            "trigger": "\(trigger.rawValue)",
            "result": "\(report.result.rawValue)",
            "generation": .stringConvertible(report.generation),
            "hash": "\(report.hash)",
        ]
        let lists: [(String, [String])] = [
            ("applied", report.applied), ("added", report.added), ("removed", report.removed),
            ("needs_restart", report.needsRestart), ("errors", report.errors),
            ("rejected", report.rejected.flatMap { route in route.errors.map { "\(route.route): \($0)" } }),
        ]
        for (key, values) in lists where !values.isEmpty {
            metadata[key] = .array(values.map { .string($0) })
        }
        switch report.result {
        case .applied, .unchanged: self.logger.info("config reload", metadata: metadata)
        case .partial: self.logger.warning("config reload", metadata: metadata)
        case .rejected: self.logger.error("config reload", metadata: metadata)
        }
    }

    /// "sha256:<hex>" of the file's bytes (SPEC §8), comparable across instances.
    static func hash(_ bytes: [UInt8]) -> String {
        "sha256:" + SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

extension ReloadResultLabel {
    init(_ result: ReloadResult) {
        switch result {
        case .applied: self = .applied
        case .partial: self = .partial
        case .unchanged: self = .unchanged
        case .rejected: self = .rejected
        }
    }
}
