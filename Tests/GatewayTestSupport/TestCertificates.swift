import Foundation

/// Self-signed certificates made with the `openssl` command for TLS tests, in a fresh
/// temporary directory: each is a P-256 key and a certificate for the names given.
public struct TestCertificates: Sendable {
    public let directory: String

    public struct Pair: Sendable {
        public let certificate: String
        public let key: String
    }

    public init() throws {
        self.directory = NSTemporaryDirectory() + "cors-gateway-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
    }

    /// Makes `name.pem` and `name.key` for `dnsNames` (the first is the subject's CN), valid
    /// for `days` from now.
    @discardableResult
    public func make(_ name: String, dnsNames: [String], days: Int = 30) throws -> Pair {
        let pair = self.pair(name)
        try Self.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", pair.key, "-out", pair.certificate, "-days", String(days), "-subj", "/CN=\(dnsNames[0])",
            "-addext", "subjectAltName=" + dnsNames.map { "DNS:\($0)" }.joined(separator: ","),
        ])
        return pair
    }

    /// The paths `make(name, …)` writes.
    public func pair(_ name: String) -> Pair {
        Pair(certificate: "\(self.directory)/\(name).pem", key: "\(self.directory)/\(name).key")
    }

    /// The SHA-256 of the certificate's public key, base64: what Chromium's
    /// `--ignore-certificate-errors-spki-list` takes.
    public func spkiHash(_ name: String) throws -> String {
        let script = "openssl x509 -in '\(self.pair(name).certificate)' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64"
        return try Self.run("/bin/sh", ["-c", script]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        let problem = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestCertificateError(command: ([executable] + arguments).joined(separator: " "), output: String(decoding: problem, as: UTF8.self))
        }
        return String(decoding: text, as: UTF8.self)
    }
}

public struct TestCertificateError: Error, CustomStringConvertible {
    public let command: String
    public let output: String
    public var description: String { "\(command) failed: \(output)" }
}
