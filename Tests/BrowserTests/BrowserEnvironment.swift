import Foundation
import GatewayTestSupport
import Testing

/// One browser test's world: a ``TestBackend``, the app-origin ``PageServer``, and a gateway in
/// front of the backend whose CORS policy allows exactly the page origin `http://127.0.0.1:PAGEPORT`
/// (so `http://localhost:PAGEPORT` is a disallowed origin serving the same page).
///
/// Routes (each strips its prefix before the backend):
/// - `open`  `/open`:  cors allowOrigins [page], methods GET PUT POST, headers content-type x-custom,
///   expose x-exposed, no credentials;
/// - `creds` `/creds`: cors allowOrigins [page], allowCredentials, headers content-type;
/// - `down`  `/down`:  a backend on a closed port, cors allowOrigins [page];
/// - `raw`   `/raw`:   no cors at all (the backend's own CORS headers pass through).
struct BrowserEnvironment {
    let chromium: String
    let backend: TestBackend
    let page: PageServer
    let gateway: GatewayHarness

    /// The allowed page origin.
    var pageOrigin: String { self.page.origin(host: "127.0.0.1") }
    /// The same page server under another origin, allowed nowhere.
    var otherOrigin: String { self.page.origin(host: "localhost") }

    static func gatewayConfig(backendURL: String, closedPort: Int, pageOrigin: String) -> String {
        """
        {
          "listen": ["127.0.0.1:0"],
          "backends": {
            "app": { "url": "\(backendURL)" },
            "down": { "url": "http://127.0.0.1:\(closedPort)", "connectTimeoutMs": 1000 }
          },
          "routes": [
            { "name": "open", "match": { "pathPrefix": "/open" }, "backend": "app",
              "rewrite": { "stripPrefix": "/open" },
              "cors": { "allowOrigins": ["\(pageOrigin)"], "allowMethods": ["GET", "PUT", "POST"],
                        "allowHeaders": ["content-type", "x-custom"], "exposeHeaders": ["x-exposed"] } },
            { "name": "creds", "match": { "pathPrefix": "/creds" }, "backend": "app",
              "rewrite": { "stripPrefix": "/creds" },
              "cors": { "allowOrigins": ["\(pageOrigin)"], "allowCredentials": true,
                        "allowHeaders": ["content-type"] } },
            { "name": "down", "match": { "pathPrefix": "/down" }, "backend": "down",
              "rewrite": { "stripPrefix": "/down" },
              "cors": { "allowOrigins": ["\(pageOrigin)"] } },
            { "name": "raw", "match": { "pathPrefix": "/raw" }, "backend": "app",
              "rewrite": { "stripPrefix": "/raw" } }
          ]
        }
        """
    }

    /// Starts everything, runs `body`, and stops everything. Records an issue and skips `body`
    /// when no Chromium is installed (see ``Chromium/required(sourceLocation:)``).
    static func with(
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: (BrowserEnvironment) async throws -> Void
    ) async throws {
        guard let chromium = Chromium.required(sourceLocation: sourceLocation) else { return }
        let backend = try await TestBackend.start()
        var page: PageServer? = nil
        var gateway: GatewayHarness? = nil
        do {
            let pageServer = try await PageServer.start()
            page = pageServer
            let closedPort = try await closedLoopbackPort()
            let config = self.gatewayConfig(
                backendURL: backend.baseURL, closedPort: closedPort, pageOrigin: pageServer.origin(host: "127.0.0.1"))
            let fixture = try await GatewayHarness.start(config: config)
            gateway = fixture
            try await body(BrowserEnvironment(chromium: chromium, backend: backend, page: pageServer, gateway: fixture))
        } catch {
            try? await gateway?.shutdown()
            await page?.shutdown()
            try? await backend.shutdown()
            throw error
        }
        try? await gateway?.shutdown()
        await page?.shutdown()
        try await backend.shutdown()
    }

    /// A scenario against the gateway: `path` is appended to the gateway's base URL.
    func scenario(
        _ name: String, _ path: String, method: String = "GET", headers: [(String, String)] = [],
        body: String? = nil, credentials: String = "same-origin", read: [String] = []
    ) -> FetchScenario {
        FetchScenario(
            name: name, url: self.gateway.baseURL + path, method: method, headers: headers, body: body,
            credentials: credentials, readHeaders: read)
    }

    /// Loads the scenario page from `pageHost` (`127.0.0.1`: the allowed origin; `localhost`:
    /// a disallowed one) in a fresh headless Chromium and returns every scenario's result by name.
    /// Throws when the page does not finish in time or a scenario reports nothing.
    func run(_ scenarios: [FetchScenario], pageHost: String = "127.0.0.1") async throws -> [String: ScenarioResult] {
        try await self.runRecordingConsole(scenarios, pageHost: pageHost, consoleLogging: false).results
    }

    /// ``run(_:pageHost:)``, plus the CORS sentences Chromium printed to its console.
    func runRecordingConsole(
        _ scenarios: [FetchScenario], pageHost: String = "127.0.0.1", consoleLogging: Bool = true
    ) async throws -> (results: [String: ScenarioResult], corsConsoleMessages: [String]) {
        let run = try await self.page.run(
            scenarios, chromium: self.chromium, pageHost: pageHost, flags: consoleLogging ? Chromium.consoleLoggingFlags : [])
        return (run.results, Chromium.corsConsoleMessages(in: run.stderr))
    }
}

