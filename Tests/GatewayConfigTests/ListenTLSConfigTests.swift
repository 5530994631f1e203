import GatewayConfig
import Testing

/// `listen` objects with `tls` (SPEC §12): what they read to, where a mistake is reported, how
/// `/config` writes them back, and what a reload of them needs.
@Suite("listen entries with TLS")
struct ListenTLSConfigTests {
    static let tlsEntry = #"{ "address": "127.0.0.1:8443", "tls": { "certificates": [{ "certificateChain": "a.pem", "privateKey": "a.key" }] } }"#

    @Test func aTLSObjectReadsWithItsDefaults() throws {
        let result = load(configJSON(routes: "", top: #""listen": ["0.0.0.0:8080", \#(Self.tlsEntry)]"#))
        let config = try #require(result.config, "\(result.errorDescriptions)")
        #expect(config.listen == [
            ListenEntry(address: "0.0.0.0:8080"),
            ListenEntry(address: "127.0.0.1:8443", tls: ListenTLS(
                certificates: [CertificateFiles(certificateChain: "a.pem", privateKey: "a.key")], minimumVersion: .v1_2, alpn: [.h2, .http1_1])),
        ])
        #expect(config.listenAddresses.map(\.port) == [8080, 8443])
    }

    @Test func everyTLSFieldReads() throws {
        let entry = #"{ "address": "[::1]:443", "tls": { "certificates": [{ "certificateChain": "/a.pem", "privateKey": "/a.key" }, { "certificateChain": "b.pem", "privateKey": "b.key" }], "minimumVersion": "1.3", "alpn": ["http/1.1"] } }"#
        let config = try #require(load(configJSON(routes: "", top: #""listen": [\#(entry)]"#)).config)
        let tls = try #require(config.listen.first?.tls)
        #expect(tls.certificates.map(\.certificateChain) == ["/a.pem", "b.pem"])
        #expect(tls.minimumVersion == .v1_3)
        #expect(tls.alpn == [.http1_1])
    }

    @Test func anObjectWithoutTLSIsPlain() throws {
        let config = try #require(load(configJSON(routes: "", top: #""listen": [{ "address": "127.0.0.1:8080" }]"#)).config)
        #expect(config.listen == [ListenEntry(address: "127.0.0.1:8080")])
    }

    static let mistakes: [(listen: String, path: String, message: String)] = [
        (#"[]"#, "listen", "at least one address is required"),
        (#"[5]"#, "listen[0]", "expected a string or an object, got the number 5"),
        (#"[{ "tls": {} }]"#, "listen[0].address", "required key is missing"),
        (#"[{ "address": "nope" }]"#, "listen[0].address", "has no port"),
        (#"[{ "address": "127.0.0.1:1", "port": 2 }]"#, "listen[0].port", "unknown key; allowed: address, tls"),
        (#"[{ "address": "127.0.0.1:1", "tls": {} }]"#, "listen[0].tls.certificates", "required key is missing"),
        (#"[{ "address": "127.0.0.1:1", "tls": { "certificates": [] } }]"#, "listen[0].tls.certificates", "expected a non-empty array"),
        (#"[{ "address": "127.0.0.1:1", "tls": { "certificates": [{ "certificateChain": "a.pem" }] } }]"#, "listen[0].tls.certificates[0].privateKey", "required key is missing"),
        (#"[{ "address": "127.0.0.1:1", "tls": { "certificates": [{ "certificateChain": "", "privateKey": "k" }] } }]"#, "listen[0].tls.certificates[0].certificateChain", "an empty path"),
        (#"[{ "address": "127.0.0.1:1", "tls": { "certificates": [{ "certificateChain": "c", "privateKey": "k", "password": "x" }] } }]"#, "listen[0].tls.certificates[0].password", "unknown key; allowed: certificateChain, privateKey"),
        (#"[{ "address": "127.0.0.1:1", "tls": { "certificates": [{ "certificateChain": "c", "privateKey": "k" }], "minimumVersion": "1.1" } }]"#, "listen[0].tls.minimumVersion", #"allowed: "1.2", "1.3""#),
        (#"[{ "address": "127.0.0.1:1", "tls": { "certificates": [{ "certificateChain": "c", "privateKey": "k" }], "alpn": ["h3"] } }]"#, "listen[0].tls.alpn[0]", #"allowed: "h2", "http/1.1""#),
        (#"[{ "address": "127.0.0.1:1", "tls": { "certificates": [{ "certificateChain": "c", "privateKey": "k" }], "alpn": ["h2", "h2"] } }]"#, "listen[0].tls.alpn[1]", "listed twice"),
        (#"[{ "address": "127.0.0.1:1", "tls": { "certificates": [{ "certificateChain": "c", "privateKey": "k" }], "alpn": [] } }]"#, "listen[0].tls.alpn", "at least one protocol is required"),
        (#"["127.0.0.1:1", { "address": "127.0.0.1:1" }]"#, "listen[1].address", "the same address as listen[0]"),
    ]

    @Test("a mistake names its JSON path and what is allowed", arguments: mistakes)
    func mistake(listen: String, path: String, message: String) {
        let result = load(configJSON(routes: "", top: #""listen": \#(listen)"#))
        #expect(result.config == nil)
        #expect(result.hasError(at: path, containing: message), "\(result.errorDescriptions)")
    }

    @Test func theAdminAddressMayNotBeATLSListenersAddress() {
        let result = load(configJSON(routes: "", top: #""listen": [\#(Self.tlsEntry)], "admin": "127.0.0.1:8443""#))
        #expect(result.hasError(at: "admin", containing: "is also listen[0]"), "\(result.errorDescriptions)")
    }

    @Test func configRendersAPlainEntryAsAStringAndATLSOneAsAnObjectThatReadsBack() throws {
        let config = try #require(load(configJSON(routes: "", top: #""listen": ["0.0.0.0:8080", \#(Self.tlsEntry)]"#)).config)
        let rendered = config.jsonValue.serialized()
        #expect(rendered.contains(#""listen":["0.0.0.0:8080",{"address":"127.0.0.1:8443","tls":{"certificates":[{"certificateChain":"a.pem","privateKey":"a.key"}],"minimumVersion":"1.2","alpn":["h2","http/1.1"]}}]"#))
        let again = try #require(load(rendered).config)
        #expect(again.listen == config.listen)
    }
}
