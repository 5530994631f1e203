import FunctionRuntime
import Foundation
import GatewayConfig
import Logging
import Synchronization
import VisibleLock

/// The runtime handler version of every function backend (SPEC §5), with `packageJson` files
/// re-read when they change. A package.json that turns bad keeps the backend on its last good
/// version, and the problem is logged and kept in `problems`.
public final class BackendRuntimes: Sendable {
    private struct Watched: Sendable {
        var backend: String
        var configPath: String
        var file: String
        var fingerprint: FileFingerprint?
    }

    private let versions: Mutex<[String: RuntimeHandlerVersion]>
    private let watched: Mutex<[Watched]>
    private let currentProblems = Mutex<[String: String]>([:])
    private let logger = Logger(label: "cors-gateway.runtimes")

    /// Resolves every function backend of `table`; package.json paths are relative to
    /// `configDirectory`. Returns nil and the problems as config issues when any file is bad.
    public static func load(table: RouteTable, configDirectory: String) -> Result<BackendRuntimes, ConfigIssues> {
        var versions: [String: RuntimeHandlerVersion] = [:]
        var watched: [Watched] = []
        var issues: [ConfigIssue] = []
        for (name, backend) in table.backends.sorted(by: { $0.key < $1.key }) {
            guard case .functionRuntime(let spec) = backend.kind else { continue }
            let configPath = "backends.\(name)"
            switch spec {
            case .classic:
                versions[name] = .classic
            case .version(let text):
                versions[name] = RuntimeHandlerVersion(configValue: text) ?? .classic
            case .packageJson(let path):
                let file = Self.resolve(path, against: configDirectory)
                switch PackageJSONRuntime.load(path: file) {
                case .success(let version):
                    versions[name] = version
                    watched.append(Watched(backend: name, configPath: configPath, file: file, fingerprint: FileFingerprint(of: file)))
                case .failure(let problem):
                    issues.append(ConfigIssue(path: "\(configPath).packageJson", message: problem.description))
                }
            }
        }
        guard issues.isEmpty else { return .failure(ConfigIssues(issues)) }
        return .success(BackendRuntimes(versions: versions, watched: watched))
    }

    private init(versions: [String: RuntimeHandlerVersion], watched: [Watched]) {
        self.versions = Mutex(versions)
        self.watched = Mutex(watched)
    }

    /// The version `backend` runs, or nil for a plain backend.
    public func version(of backend: String) -> RuntimeHandlerVersion? {
        self.versions.withVisibleLock(at: lockAddress(of: self)) { $0[backend] }
    }

    /// Unresolved package.json problems, by backend.
    public var problems: [String: String] {
        self.currentProblems.withVisibleLock(at: lockAddress(of: self)) { $0 }
    }

    /// Re-reads every package.json whose inode, size, modification time or content changed.
    public func refresh() {
        let due = self.watched.withVisibleLock(at: lockAddress(of: self)) { watched -> [(Int, Watched, FileFingerprint?)] in
            watched.enumerated().compactMap { index, entry in
                let now = FileFingerprint(of: entry.file)
                return now == entry.fingerprint ? nil : (index, entry, now)
            }
        }
        for (index, entry, fingerprint) in due {
            self.watched.withVisibleLock(at: lockAddress(of: self)) { $0[index].fingerprint = fingerprint }
            switch PackageJSONRuntime.load(path: entry.file) {
            case .success(let version):
                let previous = self.versions.withVisibleLock(at: lockAddress(of: self)) { versions in
                    defer { versions[entry.backend] = version }
                    return versions[entry.backend]
                }
                self.currentProblems.withVisibleLock(at: lockAddress(of: self)) { $0[entry.backend] = nil }
                if previous != version {
                    self.logger.info("backend \(entry.backend): runtime handler now \(version) (from \(entry.file))")
                }
            case .failure(let problem):
                let message = "\(entry.configPath).packageJson: \(problem.description)"
                self.currentProblems.withVisibleLock(at: lockAddress(of: self)) { $0[entry.backend] = message }
                self.logger.error("\(message); keeping the previous runtime handler version")
            }
        }
    }

    private static func resolve(_ path: String, against directory: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).standardizedFileURL.path
    }
}

/// Config issues as an Error.
public struct ConfigIssues: Error, Sendable {
    public let issues: [ConfigIssue]
    public init(_ issues: [ConfigIssue]) { self.issues = issues }
}
