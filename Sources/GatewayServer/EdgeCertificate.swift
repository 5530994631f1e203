import Foundation
import GatewayConfig
import NIOSSL

/// One certificate chain and its key from a TLS listener's `certificates` (SPEC §12), read,
/// checked and ready to serve handshakes: its own `NIOSSLContext`, chosen per connection by
/// the name the client asks for (SNI).
struct EdgeCertificate: @unchecked Sendable {  // NIOSSLContext is thread-safe once built
    let files: CertificateFiles
    /// The DNS names it serves (subject alternative names, else the common name), lowercased;
    /// "*.example.com" entries are wildcards.
    let names: [String]
    /// What metrics and `/config` call it: its first name, or its serial number.
    let subject: String
    /// Seconds since 1970 after which it is no longer valid.
    let notAfter: Int
    let context: NIOSSLContext
    /// The fingerprints of the two files as they were read, to notice a change.
    let fingerprints: [FileFingerprint]

    /// Days before expiry from which `check` warns.
    static let expiryWarningDays = 14

    /// Reads and checks `files` (relative paths against `directory`): both must be readable
    /// PEM, the key must belong to the first certificate, and the certificate must not have
    /// expired at `now`. `path` is the pair's JSON path, for the problems.
    static func load(
        _ files: CertificateFiles, settings: ListenTLS, directory: String, path: String, now: Date = Date()
    ) -> Result<EdgeCertificate, ConfigIssues> {
        let chainPath = "\(path).certificateChain"
        let keyPath = "\(path).privateKey"
        let chainFile: FileSnapshot
        let keyFile: FileSnapshot
        switch (FileSnapshot.read(Self.resolve(files.certificateChain, against: directory)),
                FileSnapshot.read(Self.resolve(files.privateKey, against: directory))) {
        case (.success(let chain), .success(let key)):
            (chainFile, keyFile) = (chain, key)
        case (.failure(let problem), _):
            return .failure(ConfigIssues([ConfigIssue(path: chainPath, message: problem.description)]))
        case (_, .failure(let problem)):
            return .failure(ConfigIssues([ConfigIssue(path: keyPath, message: problem.description)]))
        }
        guard let chain = try? NIOSSLCertificate.fromPEMBytes(chainFile.bytes), let leaf = chain.first else {
            return .failure(ConfigIssues([ConfigIssue(path: chainPath, message: "no PEM certificate in \(Self.quoted(files.certificateChain)); expected a certificate chain, leaf first")]))
        }
        guard let key = try? NIOSSLPrivateKey(bytes: keyFile.bytes, format: .pem) else {
            return .failure(ConfigIssues([ConfigIssue(path: keyPath, message: "no PEM private key in \(Self.quoted(files.privateKey)); expected an unencrypted RSA or EC key")]))
        }
        let notAfter = Int(leaf.notValidAfter)
        guard notAfter > Int(now.timeIntervalSince1970) else {
            return .failure(ConfigIssues([ConfigIssue(path: chainPath, message: "the certificate expired at \(Self.timestamp(notAfter)); renew it")]))
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = settings.minimumVersion == .v1_3 ? .tlsv13 : .tlsv12
        configuration.applicationProtocols = settings.alpn.map(\.rawValue)
        guard let context = try? NIOSSLContext(configuration: configuration) else {
            // BoringSSL refuses a key that is not the certificate's.
            return .failure(ConfigIssues([ConfigIssue(path: keyPath, message: "the private key does not match the certificate in \(Self.quoted(files.certificateChain))")]))
        }
        let names = Self.dnsNames(of: leaf)
        return .success(EdgeCertificate(
            files: files, names: names, subject: names.first ?? "serial:" + leaf.serialNumber.map { String(format: "%02x", $0) }.joined(),
            notAfter: notAfter, context: context, fingerprints: [chainFile.fingerprint, keyFile.fingerprint]))
    }

    /// A warning when the certificate expires within `expiryWarningDays` of `now`.
    func expiryWarning(path: String, now: Date = Date()) -> ConfigIssue? {
        let remaining = self.notAfter - Int(now.timeIntervalSince1970)
        guard remaining < Self.expiryWarningDays * 86_400 else { return nil }
        return ConfigIssue(path: "\(path).certificateChain", message: "the certificate expires at \(Self.timestamp(self.notAfter)), in under \(Self.expiryWarningDays) days")
    }

    /// Whether either file now reads differently from when this was loaded.
    func filesChanged(directory: String) -> Bool {
        let paths = [self.files.certificateChain, self.files.privateKey].map { Self.resolve($0, against: directory) }
        return zip(paths, self.fingerprints).contains { path, fingerprint in FileFingerprint(of: path) != fingerprint }
    }

    static func resolve(_ path: String, against directory: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).standardizedFileURL.path
    }

    static func timestamp(_ seconds: Int) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    private static func quoted(_ text: String) -> String { "\"\(text)\"" }

    private static func dnsNames(of certificate: NIOSSLCertificate) -> [String] {
        let alternatives = certificate._subjectAlternativeNames().compactMap { name -> String? in
            name.nameType == .dnsName ? String(decoding: name.contents, as: UTF8.self).lowercased() : nil
        }
        if !alternatives.isEmpty { return alternatives }
        // `description` is the only public way to the common name.
        guard let range = certificate.description.range(of: ";common_name=") else { return [] }
        let rest = certificate.description[range.upperBound...]
        return [String(rest.prefix { $0 != ";" && $0 != ">" }).lowercased()]
    }
}
