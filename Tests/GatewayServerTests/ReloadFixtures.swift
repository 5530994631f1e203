import Foundation
import GatewayTestSupport
import Testing

/// gateway.json text for reload tests: named routes under `/<name>` (prefix stripped) that
/// stamp each response with `x-version`, so a response tells which route version served it.
struct ReloadConfig {
    struct Route {
        var name: String
        var version: String
        var backend = "main"
        /// Extra members of the route object, e.g. a broken `cors`.
        var extra = ""
    }

    var routes: [Route]
    var backends: [String: String]
    var listen = "127.0.0.1:0"
    /// Members of `limits`, e.g. `"maxConnections": 1`.
    var limits = ""

    var text: String {
        let routes = self.routes.map { route in
            """
            { "name": "\(route.name)", "match": { "pathPrefix": "/\(route.name)" }, "backend": "\(route.backend)",
              "rewrite": { "stripPrefix": "/\(route.name)" },
              "headers": { "response": { "set": { "x-version": "\(route.version)" } } }\(route.extra.isEmpty ? "" : ", " + route.extra) }
            """
        }
        let backends = self.backends.sorted { $0.key < $1.key }.map { #""\#($0.key)": { "url": "\#($0.value)" }"# }
        return """
            { "listen": ["\(self.listen)"], "admin": "127.0.0.1:0", "limits": { \(self.limits) },
              "backends": { \(backends.joined(separator: ", ")) },
              "routes": [ \(routes.joined(separator: ",\n")) ] }
            """
    }
}

/// A running `cors-gateway` whose config file the test rewrites.
struct ReloadingGateway {
    let process: GatewayProcess
    let file: URL

    /// Starts the real executable on `config`, in a directory of its own.
    static func start(_ config: ReloadConfig, arguments: [String] = []) throws -> ReloadingGateway {
        let file = try temporaryFile(config.text)
        return ReloadingGateway(process: try GatewayProcess(configPath: file.path, arguments: arguments), file: file)
    }

    var port: Int { self.process.port }

    var adminPort: Int {
        get throws { try #require(self.process.adminPort, "the gateway printed no admin port") }
    }

    /// Rewrites the file in place (truncate and write, same inode), as an editor without
    /// atomic saves does.
    func writeInPlace(_ config: ReloadConfig) throws {
        let handle = try FileHandle(forWritingTo: self.file)
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(config.text.utf8))
        try handle.close()
    }

    func admin(_ method: String, _ path: String) throws -> RawResponse {
        try RawHTTPClient.request(port: try self.adminPort, method: method, path: path)
    }

    func reloadThroughAdmin() throws -> (status: Int, report: [String: Any]) {
        let response = try self.admin("POST", "/reload")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        return (response.status, report)
    }

    func configDocument() throws -> [String: Any] {
        let response = try self.admin("GET", "/config")
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    /// The `x-version` of a GET of `/<route>/echo`, or the status when it is not 200.
    func version(of route: String) throws -> String {
        let response = try RawHTTPClient.request(port: self.port, path: "/\(route)/echo")
        return response.status == 200 ? response.header("x-version") ?? "none" : "status \(response.status)"
    }

    /// Polls until `route` is served by `version`; the time it took, or nil after `timeout`.
    func waitForVersion(_ version: String, of route: String, timeout: Duration = .seconds(2)) throws -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if try self.version(of: route) == version { return ContinuousClock.now - start }
            usleep(20_000)
        }
        return nil
    }

    func stop() -> Int32 {
        let status = self.process.stop()
        try? FileManager.default.removeItem(at: self.file.deletingLastPathComponent())
        return status
    }
}

extension ReloadConfig {
    /// `alpha` and `beta` at version 1 on one backend.
    static func pair(backend: String) -> ReloadConfig {
        ReloadConfig(
            routes: [Route(name: "alpha", version: "alpha-1"), Route(name: "beta", version: "beta-1")],
            backends: ["main": backend]
        )
    }

    func with(_ name: String, version: String? = nil, extra: String? = nil, backend: String? = nil) -> ReloadConfig {
        var copy = self
        for index in copy.routes.indices where copy.routes[index].name == name {
            if let version { copy.routes[index].version = version }
            if let extra { copy.routes[index].extra = extra }
            if let backend { copy.routes[index].backend = backend }
        }
        return copy
    }
}

/// Runs blocking socket work on a thread of its own: the cooperative pool has as many threads
/// as cores (2 here), and blocking them would stall the test itself.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
