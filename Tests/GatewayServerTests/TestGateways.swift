import GatewayTestSupport

/// gateway.json text for tests: one route `fn` with `pathPrefix` `/fn` (stripped) to one
/// backend, with overridable limits and backend settings.
enum TestConfig {
    static func single(
        backendURL: String,
        limits: String = "",
        backend: String = "",
        route: String = ""
    ) -> String {
        """
        {
          "listen": ["127.0.0.1:0"],
          "admin": "127.0.0.1:0",
          "limits": { \(limits) },
          "backends": { "b": { "url": "\(backendURL)" \(backend.isEmpty ? "" : ", " + backend) } },
          "routes": [
            { "name": "fn", "match": { "pathPrefix": "/fn" }, "backend": "b",
              "rewrite": { "stripPrefix": "/fn" } \(route.isEmpty ? "" : ", " + route) }
          ]
        }
        """
    }
}

/// Starts a gateway in front of `backendURL`, runs `body`, and stops the gateway.
func withGateway(
    frontOf backendURL: String,
    limits: String = "",
    backend backendSettings: String = "",
    route: String = "",
    _ body: (GatewayHarness) async throws -> Void
) async throws {
    let gateway = try await GatewayHarness.start(
        config: TestConfig.single(backendURL: backendURL, limits: limits, backend: backendSettings, route: route)
    )
    do {
        try await body(gateway)
    } catch {
        try await gateway.shutdown()
        throw error
    }
    try await gateway.shutdown()
}

/// Starts a `TestBackend` and a gateway in front of it, runs `body`, and stops both.
func withGateway(
    limits: String = "",
    backend backendSettings: String = "",
    route: String = "",
    _ body: (GatewayHarness, TestBackend) async throws -> Void
) async throws {
    try await withGateway(config: { TestConfig.single(backendURL: $0, limits: limits, backend: backendSettings, route: route) }, body)
}

/// Starts a `TestBackend` and a gateway whose gateway.json `config` writes for the backend's
/// base URL, runs `body`, and stops both.
func withGateway(config: (String) -> String, _ body: (GatewayHarness, TestBackend) async throws -> Void) async throws {
    let backend = try await TestBackend.start()
    do {
        let gateway = try await GatewayHarness.start(config: config(backend.baseURL))
        do {
            try await body(gateway, backend)
        } catch {
            try await gateway.shutdown()
            throw error
        }
        try await gateway.shutdown()
    } catch {
        try await backend.shutdown()
        throw error
    }
    try await backend.shutdown()
}
