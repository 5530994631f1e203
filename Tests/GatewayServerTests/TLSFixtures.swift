import Foundation
import GatewayTestSupport

/// A gateway with one TLS listener in front of a `TestBackend` (route `fn`, prefix `/fn`
/// stripped, CORS for https://app.test with credentials), certificates made by openssl:
/// `a` for a.test and *.wild.test, `b` for b.test, served in that order.
struct TLSGateway {
    let gateway: GatewayHarness
    let backend: TestBackend
    let certificates: TestCertificates
    var tlsPort: Int { self.gateway.tlsPorts[0] }

    static func config(
        backendURL: String, certificates: TestCertificates, pairs: [String] = ["a", "b"], minimumVersion: String = "1.2",
        alpn: String = #"["h2", "http/1.1"]"#, limits: String = ""
    ) -> String {
        let files = pairs.map { name in
            let pair = certificates.pair(name)
            return #"{ "certificateChain": "\#(pair.certificate)", "privateKey": "\#(pair.key)" }"#
        }
        return """
        {
          "listen": ["127.0.0.1:0", { "address": "127.0.0.1:0", "tls": {
            "certificates": [\(files.joined(separator: ", "))], "minimumVersion": "\(minimumVersion)", "alpn": \(alpn) } }],
          "admin": null,
          "limits": { \(limits) },
          "backends": { "b": { "url": "\(backendURL)" } },
          "routes": [
            { "name": "fn", "match": { "pathPrefix": "/fn" }, "backend": "b", "rewrite": { "stripPrefix": "/fn" },
              "cors": { "allowOrigins": ["https://app.test"], "allowMethods": ["GET", "POST", "PUT"],
                        "allowHeaders": ["content-type", "x-token"], "allowCredentials": true } }
          ]
        }
        """
    }

    /// Runs `body` with the gateway, then stops everything.
    static func with(
        minimumVersion: String = "1.2", alpn: String = #"["h2", "http/1.1"]"#, limits: String = "",
        _ body: (TLSGateway) async throws -> Void
    ) async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        try certificates.make("a", dnsNames: ["a.test", "*.wild.test"])
        try certificates.make("b", dnsNames: ["b.test"])
        try await withGateway(config: {
            Self.config(backendURL: $0, certificates: certificates, minimumVersion: minimumVersion, alpn: alpn, limits: limits)
        }) { gateway, backend in
            try await body(TLSGateway(gateway: gateway, backend: backend, certificates: certificates))
        }
    }
}
