import Foundation
import FunctionDemo
import GatewayTestSupport

/// Runs `body` with the gateway on the repository's gateway.json and its demo functions.
func withReadmeGateway(_ body: (GatewayHarness) async throws -> Void) async throws {
    let modern = DemoFunctionServer(name: "modern", runtimeHandler: "2.1.2")
    let classic = DemoFunctionServer(name: "classic", runtimeHandler: "classic")
    let modernPort = try await modern.start()
    let classicPort = try await classic.start()
    let repoConfig = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("gateway.json")
    let text = try String(contentsOf: repoConfig, encoding: .utf8)
        .replacingOccurrences(of: "127.0.0.1:9001", with: "127.0.0.1:\(modernPort)")
        .replacingOccurrences(of: "127.0.0.1:9002", with: "127.0.0.1:\(classicPort)")
        .replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:0")
    let gateway = try await GatewayHarness.start(config: text)
    do {
        try await body(gateway)
    } catch {
        try? await gateway.shutdown()
        try? await modern.shutdown()
        try? await classic.shutdown()
        throw error
    }
    try await gateway.shutdown()
    try await modern.shutdown()
    try await classic.shutdown()
}
