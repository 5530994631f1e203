import Foundation
import GatewayConfig
import NIOSSL
import Synchronization
import VisibleLock

/// The certificates a TLS listener serves (SPEC §12), swapped whole while it runs: after a
/// reload changed the listener's `tls`, or when a certificate or key file changed on disk.
/// A new set that fails to load (a missing file, a key that is not the certificate's, an
/// expired certificate) leaves the running set in place; the problems are kept for `/config`.
final class EdgeTLSListener: Sendable {
    /// The listener's address as configured: its label in metrics and `/config`.
    let address: String
    /// Its place in `listen` (addresses with port 0 may repeat).
    let index: Int
    /// `listen[index].tls`, the JSON path problems are reported under.
    var path: String { "listen[\(self.index)].tls" }
    private let directory: String
    private let state: Mutex<State>

    struct State {
        var settings: ListenTLS
        var certificates: [EdgeCertificate]
        var names: [[String]]
        /// Why the last change could not be applied; empty once one is.
        var rejected: [ConfigIssue] = []
    }

    /// What a refresh did.
    enum Refresh: Equatable {
        case unchanged
        case applied
        case rejected([ConfigIssue])
    }

    init(address: String, index: Int, settings: ListenTLS, directory: String) throws(ConfigIssues) {
        self.address = address
        self.index = index
        let path = "listen[\(index)].tls"
        self.directory = directory
        let certificates = try Self.load(settings, directory: directory, path: path).get()
        self.state = Mutex(State(settings: settings, certificates: certificates, names: certificates.map(\.names)))
    }

    /// Every pair of `settings`, or every problem found in them.
    static func load(_ settings: ListenTLS, directory: String, path: String, now: Date = Date()) -> Result<[EdgeCertificate], ConfigIssues> {
        var loaded: [EdgeCertificate] = []
        var problems: [ConfigIssue] = []
        for (index, files) in settings.certificates.enumerated() {
            switch EdgeCertificate.load(files, settings: settings, directory: directory, path: "\(path).certificates[\(index)]", now: now) {
            case .success(let certificate): loaded.append(certificate)
            case .failure(let issues): problems += issues.issues
            }
        }
        return problems.isEmpty ? .success(loaded) : .failure(ConfigIssues(problems))
    }

    /// `check`'s view of every TLS listener in `listen`: errors for what cannot serve, and
    /// warnings for certificates that expire within 14 days.
    static func check(_ listen: [ListenEntry], directory: String, now: Date = Date()) -> (errors: [ConfigIssue], warnings: [ConfigIssue]) {
        var errors: [ConfigIssue] = []
        var warnings: [ConfigIssue] = []
        for (index, entry) in listen.enumerated() {
            guard let tls = entry.tls else { continue }
            let path = "listen[\(index)].tls"
            switch Self.load(tls, directory: directory, path: path, now: now) {
            case .success(let certificates):
                for (pair, certificate) in certificates.enumerated() {
                    if let warning = certificate.expiryWarning(path: "\(path).certificates[\(pair)]", now: now) { warnings.append(warning) }
                }
            case .failure(let problems):
                errors += problems.issues
            }
        }
        return (errors, warnings)
    }

    /// The context for a handshake that asked for `serverName` (nil without SNI).
    func context(for serverName: String?) -> NIOSSLContext {
        self.state.withVisibleLock(at: lockAddress(of: self)) { state in
            state.certificates[ServerNameChoice.index(for: serverName, among: state.names)].context
        }
    }

    var settings: ListenTLS {
        self.state.withVisibleLock(at: lockAddress(of: self)) { $0.settings }
    }

    /// The settings `listen` now gives this listener; nil when it no longer describes it (a
    /// changed address waits for a restart).
    func settings(in listen: [ListenEntry]) -> ListenTLS? {
        guard listen.indices.contains(self.index), listen[self.index].address == self.address else { return nil }
        return listen[self.index].tls
    }

    /// Loads the set again when `settings` differ from the running ones or a file changed.
    func refresh(to settings: ListenTLS, now: Date = Date()) -> Refresh {
        let (running, certificates) = self.state.withVisibleLock(at: lockAddress(of: self)) { ($0.settings, $0.certificates) }
        guard settings != running || certificates.contains(where: { $0.filesChanged(directory: self.directory) }) else { return .unchanged }
        switch Self.load(settings, directory: self.directory, path: self.path, now: now) {
        case .success(let loaded):
            self.state.withVisibleLock(at: lockAddress(of: self)) { state in
                state = State(settings: settings, certificates: loaded, names: loaded.map(\.names))
            }
            return .applied
        case .failure(let problems):
            let known = self.state.withVisibleLock(at: lockAddress(of: self)) { state in
                defer { state.rejected = problems.issues }
                return state.rejected == problems.issues
            }
            // A file that stays broken is reported once, not every second.
            return known ? .unchanged : .rejected(problems.issues)
        }
    }

    /// Subject and expiry of each certificate served, for metrics.
    var expiries: [(subject: String, notAfter: Int)] {
        self.state.withVisibleLock(at: lockAddress(of: self)) { $0.certificates.map { ($0.subject, $0.notAfter) } }
    }

    /// The listener in `/config`: what it serves and why a change was refused.
    var status: JSONValue {
        self.state.withVisibleLock(at: lockAddress(of: self)) { state in
            .object([
                ("address", .string(self.address)),
                ("alpn", .array(state.settings.alpn.map { .string($0.rawValue) })),
                ("minimumVersion", .string(state.settings.minimumVersion.rawValue)),
                ("certificates", .array(state.certificates.map { certificate in
                    .object([
                        ("certificateChain", .string(certificate.files.certificateChain)),
                        ("privateKey", .string(certificate.files.privateKey)),
                        ("subject", .string(certificate.subject)),
                        ("names", .array(certificate.names.map(JSONValue.string))),
                        ("notAfter", .string(EdgeCertificate.timestamp(certificate.notAfter))),
                    ])
                })),
                ("rejected", .array(state.rejected.map { .string($0.description) })),
            ])
        }
    }
}

/// A gateway's TLS listeners, for the certificate watch and `/config`.
final class EdgeTLSListeners: Sendable {
    private let listeners = Mutex<[EdgeTLSListener]>([])

    func add(_ listener: EdgeTLSListener) {
        self.listeners.withVisibleLock(at: lockAddress(of: self)) { $0.append(listener) }
    }

    var all: [EdgeTLSListener] {
        self.listeners.withVisibleLock(at: lockAddress(of: self)) { $0 }
    }
}
