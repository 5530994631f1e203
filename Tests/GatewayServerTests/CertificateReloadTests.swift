import Foundation
import GatewayConfig
import GatewayTestSupport
import Testing

@testable import GatewayServer

/// Certificates change without a restart (SPEC §12): a rotated pair serves new handshakes
/// while old connections keep going; a broken pair keeps the running one, and is logged,
/// counted and shown in `/config`; `check` finds what cannot serve.
@Suite("Certificate reload and check (SPEC §12)", .serialized)
struct CertificateReloadTests {
    static func reloads(_ tls: TLSGateway, _ result: String) -> Double? {
        try? tls.gateway.scrape().value(.init("cors_gateway_certificate_reloads_total", ["listener": "127.0.0.1:0", "result": result]))
    }

    @Test func aRotatedCertificateServesNewHandshakesWhileOldConnectionsKeepGoing() async throws {
        try await TLSGateway.with { tls in
            let before = try await TLSTestClient.connect(port: tls.tlsPort, serverName: "a.test")
            #expect(before.peerNames == ["a.test", "*.wild.test"])
            // The same files, now for other names (as a renewal writes them in place).
            try tls.certificates.make("a", dnsNames: ["a.test", "renewed.test"])
            #expect(await tls.gateway.eventually(.seconds(5)) { Self.reloads(tls, "applied") == 1 })
            let after = try await TLSTestClient.connect(port: tls.tlsPort, serverName: "a.test")
            #expect(after.peerNames == ["a.test", "renewed.test"])
            await after.close()
            // The connection made before the rotation still works.
            try await before.send("GET /fn/echo HTTP/1.1\r\nHost: a.test\r\n\r\n")
            #expect(await before.waitFor { String(decoding: $0, as: UTF8.self).hasPrefix("HTTP/1.1 200 OK\r\n") })
            await before.close()
        }
    }

    @Test(arguments: ["garbage", "mismatch", "missing"])
    func aBrokenNewPairKeepsTheRunningOne(breakage: String) async throws {
        try await TLSGateway.with { tls in
            let pair = tls.certificates.pair("a")
            switch breakage {
            case "garbage": try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: pair.certificate))
            case "mismatch": try Data(contentsOf: URL(fileURLWithPath: tls.certificates.pair("b").key)).write(to: URL(fileURLWithPath: pair.key))
            default: try FileManager.default.removeItem(atPath: pair.certificate)
            }
            #expect(await tls.gateway.eventually(.seconds(5)) { Self.reloads(tls, "rejected") == 1 })
            let client = try await TLSTestClient.connect(port: tls.tlsPort, serverName: "a.test")
            #expect(client.peerNames == ["a.test", "*.wild.test"], "the running pair should stay in use")
            await client.close()
            let status = tls.gateway.server.tlsStatus.map { $0.serialized() }.joined()
            #expect(status.contains(#""rejected":["listen[1].tls.certificates[0]."#), "\(status)")
            // Reported once, not on every look at the files.
            try await Task.sleep(for: .seconds(2))
            #expect(Self.reloads(tls, "rejected") == 1)
        }
    }

    /// A reload that changes `tls` (here: drops the first pair) takes effect for new handshakes.
    @Test func aReloadedTLSSettingServesNewHandshakes() async throws {
        try await TLSGateway.with { tls in
            var result = ConfigLoader.parse(data: Array(TLSGateway.config(
                backendURL: tls.backend.baseURL, certificates: tls.certificates, pairs: ["b"]).utf8))
            let snapshot = try #require(GatewaySnapshot.resolve(&result, configDirectory: "/"))
            tls.gateway.store.replace(with: snapshot)
            #expect(await tls.gateway.eventually(.seconds(5)) { Self.reloads(tls, "applied") == 1 })
            let client = try await TLSTestClient.connect(port: tls.tlsPort, serverName: "a.test")
            #expect(client.peerNames == ["b.test"], "the only pair left is b")
            await client.close()
        }
    }

    // MARK: check

    static func listen(_ pairs: [(String, String)], directory: String) -> [ListenEntry] {
        [ListenEntry(address: "127.0.0.1:8443", tls: ListenTLS(certificates: pairs.map {
            CertificateFiles(certificateChain: "\(directory)/\($0.0)", privateKey: "\(directory)/\($0.1)")
        }))]
    }

    @Test func checkFindsWhatCannotServe() throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        try certificates.make("a", dnsNames: ["a.test"])
        try certificates.make("b", dnsNames: ["b.test"])
        let directory = certificates.directory
        let good = EdgeTLSListener.check(Self.listen([("a.pem", "a.key")], directory: directory), directory: "/")
        #expect(good.errors.isEmpty && good.warnings.isEmpty, "\(good)")

        let missing = EdgeTLSListener.check(Self.listen([("a.pem", "a.key"), ("c.pem", "c.key")], directory: directory), directory: "/")
        #expect(missing.errors.map(\.path) == ["listen[0].tls.certificates[1].certificateChain"])
        #expect(missing.errors.first?.message.contains("No such file") == true, "\(missing.errors)")

        let mismatch = EdgeTLSListener.check(Self.listen([("a.pem", "b.key")], directory: directory), directory: "/")
        #expect(mismatch.errors.map(\.path) == ["listen[0].tls.certificates[0].privateKey"])
        #expect(mismatch.errors.first?.message.contains("does not match the certificate") == true)

        try Data("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".utf8).write(to: URL(fileURLWithPath: "\(directory)/bad.pem"))
        let garbage = EdgeTLSListener.check(Self.listen([("bad.pem", "a.key")], directory: directory), directory: "/")
        #expect(garbage.errors.map(\.path) == ["listen[0].tls.certificates[0].certificateChain"])

        let later = Date().addingTimeInterval(40 * 86_400)
        let expired = EdgeTLSListener.check(Self.listen([("a.pem", "a.key")], directory: directory), directory: "/", now: later)
        #expect(expired.errors.map(\.path) == ["listen[0].tls.certificates[0].certificateChain"])
        #expect(expired.errors.first?.message.contains("expired") == true)

        let soon = Date().addingTimeInterval(20 * 86_400)
        let expiring = EdgeTLSListener.check(Self.listen([("a.pem", "a.key")], directory: directory), directory: "/", now: soon)
        #expect(expiring.errors.isEmpty)
        #expect(expiring.warnings.map(\.path) == ["listen[0].tls.certificates[0].certificateChain"])
        #expect(expiring.warnings.first?.message.contains("in under 14 days") == true)
    }

    /// Relative paths are read against the config file's directory.
    @Test func relativePathsAreReadAgainstTheConfigDirectory() throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        try certificates.make("a", dnsNames: ["a.test"])
        let entry = [ListenEntry(address: "127.0.0.1:8443", tls: ListenTLS(certificates: [CertificateFiles(certificateChain: "a.pem", privateKey: "a.key")]))]
        #expect(EdgeTLSListener.check(entry, directory: certificates.directory).errors.isEmpty)
        #expect(!EdgeTLSListener.check(entry, directory: "/").errors.isEmpty)
    }

    @Test(arguments: [
        ("b.test", 1), ("a.test", 0), ("x.wild.test", 0), ("x.y.wild.test", 2), ("wild.test", 2), ("", 2), ("b.test.", 1), ("B.Test", 1),
    ])
    func serverNameChoice(name: String, index: Int) {
        let names = [["a.test", "*.wild.test"], ["b.test"], ["c.test"]]
        let expected = index == 2 ? 0 : index  // nothing matches: the first certificate
        #expect(ServerNameChoice.index(for: name, among: names) == expected)
    }
}
