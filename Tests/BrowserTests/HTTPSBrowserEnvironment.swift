import Foundation
import FunctionDemo
import GatewayTestSupport
import Testing

/// One HTTPS browser test's world (SPEC §12): a demo function with runtime handler 2.1.2 (it
/// sets the cookies `?setCookie=name=value` asks for and answers with the cookies it received),
/// the app-origin ``PageServer`` on `http://127.0.0.1:PAGEPORT`, and a gateway whose TLS listener
/// serves `https://api.test:PORT` with a self-signed certificate for `api.test`, ALPN `h2` then
/// `http/1.1`. Chromium trusts that certificate by its SPKI hash and resolves `api.test` to
/// 127.0.0.1.
///
/// The page and `api.test` are different sites, so a cookie the function sets is a third-party
/// cookie to the page: only `SameSite=None; Secure` lets a browser send it back at all.
///
/// Routes (each strips its prefix before the function; each lets the page origin read its
/// responses and, through `Timing-Allow-Origin`, their `nextHopProtocol`):
/// - `session` `/session`: credentials allowed, cookie policy `partitioned: true`;
/// - `shared`  `/shared`:  credentials allowed, the default cookie policy;
/// - `lax`     `/lax`:     credentials allowed, cookie policy `sameSite: "Lax"`;
/// - `public`  `/public`:  no credentials.
///
/// On the credentialed routes the default policy gives every cookie `Secure`, `HttpOnly` and
/// `SameSite=None` (SPEC §6).
struct HTTPSBrowserEnvironment {
    static let apiHost = "api.test"

    let chromium: String
    let function: DemoFunctionServer
    let page: PageServer
    let gateway: GatewayHarness
    /// What `--ignore-certificate-errors-spki-list` takes for the gateway's certificate.
    let spkiHash: String

    /// The page origin, allowed by every route.
    var pageOrigin: String { self.page.origin(host: "127.0.0.1") }
    /// The gateway's TLS listener under the certificate's name.
    var apiOrigin: String { "https://\(Self.apiHost):\(self.gateway.tlsPorts[0])" }

    static func gatewayConfig(functionURL: String, certificate: TestCertificates.Pair, pageOrigin: String) -> String {
        func route(_ name: String, credentials: Bool, cookies: String? = nil) -> String {
            """
            { "name": "\(name)", "match": { "pathPrefix": "/\(name)" }, "backend": "function",
              "rewrite": { "stripPrefix": "/\(name)" },
              "cors": { "allowOrigins": ["\(pageOrigin)"], "allowMethods": ["GET", "PUT"],
                        "allowHeaders": ["content-type"], "allowCredentials": \(credentials) },
              \(cookies.map { "\"cookies\": \($0)," } ?? "")
              "headers": { "response": { "set": { "Timing-Allow-Origin": "\(pageOrigin)" } } } }
            """
        }
        return """
            {
              "listen": [
                "127.0.0.1:0",
                { "address": "127.0.0.1:0",
                  "tls": { "certificates": [{ "certificateChain": "\(certificate.certificate)", "privateKey": "\(certificate.key)" }],
                           "minimumVersion": "1.2", "alpn": ["h2", "http/1.1"] } }
              ],
              "backends": { "function": { "url": "\(functionURL)", "runtimeHandler": "2.1.2" } },
              "routes": [
                \(route("session", credentials: true, cookies: #"{ "partitioned": true }"#)),
                \(route("shared", credentials: true)),
                \(route("lax", credentials: true, cookies: #"{ "sameSite": "Lax" }"#)),
                \(route("public", credentials: false))
              ]
            }
            """
    }

    /// Starts everything, runs `body`, and stops everything. Records an issue and skips `body`
    /// when no Chromium is installed (see ``Chromium/required(sourceLocation:)``).
    static func with(
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: (HTTPSBrowserEnvironment) async throws -> Void
    ) async throws {
        guard let chromium = Chromium.required(sourceLocation: sourceLocation) else { return }
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let certificate = try certificates.make("api", dnsNames: [Self.apiHost])
        let spkiHash = try certificates.spkiHash("api")
        let function = DemoFunctionServer(name: "modern", runtimeHandler: "2.1.2")
        let functionPort = try await function.start()
        var page: PageServer? = nil
        var gateway: GatewayHarness? = nil
        do {
            let pageServer = try await PageServer.start()
            page = pageServer
            let config = self.gatewayConfig(
                functionURL: "http://127.0.0.1:\(functionPort)", certificate: certificate,
                pageOrigin: pageServer.origin(host: "127.0.0.1"))
            let fixture = try await GatewayHarness.start(config: config)
            gateway = fixture
            try await body(
                HTTPSBrowserEnvironment(
                    chromium: chromium, function: function, page: pageServer, gateway: fixture, spkiHash: spkiHash))
        } catch {
            try? await gateway?.shutdown()
            await page?.shutdown()
            try? await function.shutdown()
            throw error
        }
        try? await gateway?.shutdown()
        await page?.shutdown()
        try await function.shutdown()
    }

    /// A scenario against the gateway's TLS listener: `path` is appended to ``apiOrigin``.
    func scenario(
        _ name: String, _ path: String, method: String = "GET", headers: [(String, String)] = [],
        body: String? = nil, credentials: String = "include"
    ) -> FetchScenario {
        FetchScenario(
            name: name, url: self.apiOrigin + path, method: method, headers: headers, body: body,
            credentials: credentials)
    }

    /// Loads the scenario page from the page origin in a fresh headless Chromium that trusts the
    /// gateway's certificate and finds `api.test` on loopback. With `allowThirdPartyCookies`
    /// the profile allows third-party cookies, as a user can in the browser's settings;
    /// otherwise it keeps the browser's default, which blocks them.
    func run(_ scenarios: [FetchScenario], allowThirdPartyCookies: Bool = false) async throws -> [String: ScenarioResult] {
        let flags = [
            "--ignore-certificate-errors-spki-list=\(self.spkiHash)",
            "--host-resolver-rules=MAP \(Self.apiHost) 127.0.0.1",
        ]
        // chrome://settings/cookies "Allow third-party cookies".
        let preferences = allowThirdPartyCookies ? #"{"profile":{"cookie_controls_mode":0}}"# : nil
        return try await self.page.run(
            scenarios, chromium: self.chromium, pageHost: "127.0.0.1", flags: flags, preferences: preferences).results
    }
}
