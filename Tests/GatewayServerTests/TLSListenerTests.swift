import Foundation
import GatewayTestSupport
import NIOSSL
import Testing

/// TLS listeners over real sockets (SPEC §12): versions, certificates chosen by SNI, ALPN,
/// HTTP/1.1 over TLS, and their metrics.
@Suite("TLS listeners (SPEC §12)", .serialized)
struct TLSListenerTests {
    @Test func tls12AndTLS13HandshakesComplete() async throws {
        try await TLSGateway.with { tls in
            let modern = try await TLSTestClient.connect(port: tls.tlsPort, serverName: "a.test")
            #expect(modern.tlsVersion == .tlsv13)
            await modern.close()
            let older = try await TLSTestClient.connect(port: tls.tlsPort, serverName: "a.test", maximumVersion: .tlsv12)
            #expect(older.tlsVersion == .tlsv12)
            await older.close()
        }
    }

    /// `minimumVersion: "1.3"` refuses a TLS 1.2 client; the failure is counted.
    @Test func aMinimumVersionRefusesOlderClientsAndCountsTheFailure() async throws {
        try await TLSGateway.with(minimumVersion: "1.3") { tls in
            await #expect(throws: (any Error).self) {
                let client = try await TLSTestClient.connect(port: tls.tlsPort, serverName: "a.test", maximumVersion: .tlsv12)
                await client.close()
            }
            #expect(await tls.gateway.eventually { (try? tls.gateway.scrape().value(.init("cors_gateway_tls_handshake_failures_total", ["listener": "127.0.0.1:0"]))) == 1 })
            let modern = try await TLSTestClient.connect(port: tls.tlsPort, serverName: "a.test")
            #expect(modern.tlsVersion == .tlsv13)
            await modern.close()
        }
    }

    /// Exact name first, then a `*.` wildcard, else the first certificate (also without SNI).
    @Test(arguments: [
        ("b.test", ["b.test"]), ("a.test", ["a.test", "*.wild.test"]), ("api.wild.test", ["a.test", "*.wild.test"]),
        ("B.TEST", ["b.test"]), ("unknown.test", ["a.test", "*.wild.test"]), (nil, ["a.test", "*.wild.test"]),
    ] as [(String?, [String])])
    func theServerNameChoosesTheCertificate(serverName: String?, names: [String]) async throws {
        try await TLSGateway.with { tls in
            let client = try await TLSTestClient.connect(port: tls.tlsPort, serverName: serverName)
            #expect(client.peerNames == names)
            await client.close()
        }
    }

    @Test(arguments: [
        (#"["h2", "http/1.1"]"#, ["h2", "http/1.1"], "h2"),
        (#"["h2", "http/1.1"]"#, ["http/1.1"], "http/1.1"),
        (#"["http/1.1"]"#, ["h2", "http/1.1"], "http/1.1"),
        (#"["http/1.1", "h2"]"#, ["h2", "http/1.1"], "http/1.1"),
    ])
    func alpnChoosesTheProtocol(configured: String, offered: [String], negotiated: String) async throws {
        try await TLSGateway.with(alpn: configured) { tls in
            let client = try await TLSTestClient.connect(port: tls.tlsPort, serverName: "a.test", alpn: offered)
            #expect(client.negotiatedProtocol == negotiated)
            await client.close()
            #expect(await tls.gateway.eventually { (try? tls.gateway.scrape().value(.init("cors_gateway_connections_total", ["listener": "127.0.0.1:0", "protocol": negotiated, "tls": "true"]))) == 1 })
        }
    }

    /// A listener that speaks only h2 closes a connection that cannot speak it.
    @Test func anH2OnlyListenerClosesAnHTTP11Client() async throws {
        try await TLSGateway.with(alpn: #"["h2"]"#) { tls in
            let client = try? await TLSTestClient.connect(port: tls.tlsPort, serverName: "a.test", alpn: ["http/1.1"])
            if let client {
                try? await client.send("GET /fn/echo HTTP/1.1\r\nHost: a.test\r\n\r\n")
                #expect(await client.isClosed(within: .seconds(3)))
                #expect(client.received.isEmpty)
                await client.close()
            }
            #expect(tls.backend.requests.isEmpty)
        }
    }

    /// HTTP/1.1 over TLS: routed, forwarded with `X-Forwarded-Proto: https`, logged.
    @Test func http11OverTLSIsForwardedAsHTTPS() async throws {
        try await TLSGateway.with { tls in
            let client = try await TLSTestClient.connect(port: tls.tlsPort, serverName: "a.test")
            try await client.send("GET /fn/echo/x HTTP/1.1\r\nHost: a.test\r\n\r\n")
            #expect(await client.waitFor { String(decoding: $0, as: UTF8.self).hasPrefix("HTTP/1.1 200 OK\r\n") })
            await client.close()
            let request = try #require(tls.backend.requests.last)
            #expect(request.values(of: "x-forwarded-proto") == ["https"])
            #expect(request.values(of: "x-forwarded-host") == ["a.test"])
            #expect(await tls.gateway.eventually { tls.gateway.accessLog.entries.last?["protocol"] == "HTTP/1.1" })
        }
    }

    /// A client that connects and never completes the handshake is closed after the head
    /// timeout, and counted as a failed handshake.
    @Test func aStalledHandshakeIsClosedAfterTheHeadTimeout() async throws {
        try await TLSGateway.with(limits: #""headerTimeoutMs": 300"#) { tls in
            let client = try RawHTTPClient.connect(port: tls.tlsPort)
            defer { client.close() }
            try client.send([0x16, 0x03, 0x01])  // the start of a TLS record, then nothing
            #expect(try client.isClosedByPeer(within: .seconds(3)))
            #expect(await tls.gateway.eventually { (try? tls.gateway.scrape().value(.init("cors_gateway_tls_handshake_failures_total", ["listener": "127.0.0.1:0"]))) == 1 })
        }
    }

    @Test func eachCertificatesExpiryIsAMetric() async throws {
        try await TLSGateway.with { tls in
            let exposition = try tls.gateway.scrape()
            for subject in ["a.test", "b.test"] {
                let expiry = try #require(exposition.value(.init(
                    "cors_gateway_certificate_expiry_timestamp_seconds", ["listener": "127.0.0.1:0", "subject": subject])))
                let days = (expiry - Date().timeIntervalSince1970) / 86_400
                #expect(days > 29 && days <= 30.01, "\(subject) expires in \(days) days")
            }
        }
    }
}
