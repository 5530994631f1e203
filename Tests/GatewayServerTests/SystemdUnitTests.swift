import Foundation
import GatewayTestSupport
import Testing

/// deploy/systemd/cors-gateway.service: a unit systemd accepts, whose commands do what
/// Docs/deployment.md says (`check` before start, `systemctl reload` is a SIGHUP reload,
/// `systemctl stop` drains inside TimeoutStopSec). The commands are run here as systemd would
/// run them, with the binary's and the config's paths replaced by the test's.
@Suite(.serialized) struct SystemdUnitTests {
    static let unitPath = "deploy/systemd/cors-gateway.service"
    static let installedBinary = "/usr/local/bin/cors-gateway"
    static let installedConfig = "/etc/cors-gateway/gateway.json"

    /// `Key=value` lines of the unit (the last one wins, as in systemd).
    static func settings() throws -> [String: String] {
        let text = try String(contentsOf: DeploymentFiles.url(unitPath), encoding: .utf8)
        var settings: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("[") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            settings[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return settings
    }

    /// A command line with the installed paths swapped for the test's.
    static func command(_ line: String, config: String) throws -> [String] {
        let words = line.split(separator: " ").map(String.init)
        return try words.map { word in
            switch word {
            case installedBinary: try GatewayExecutable.url.path
            case installedConfig: config
            default: word
            }
        }
    }

    @Test func systemdAcceptsTheUnit() throws {
        guard let analyze = DeploymentFiles.requiredTool("/usr/bin/systemd-analyze", installedBy: "apt-get install systemd") else { return }
        let text = try String(contentsOf: DeploymentFiles.url(Self.unitPath), encoding: .utf8)
        // `verify` also checks that ExecStart's binary exists: point it at the built one.
        let unit = try temporaryFile(text.replacingOccurrences(of: Self.installedBinary, with: try GatewayExecutable.url.path),
                                     name: "cors-gateway.service")
        let result = try runCommand(analyze, ["verify", "--man=no", unit.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        // Unknown keys and bad values are only warnings there, printed; none is allowed.
        #expect(result.stdout.isEmpty && result.stderr.isEmpty, "\(result.stdout)\(result.stderr)")
    }

    @Test func checkStartReloadAndStopAsSystemdWould() async throws {
        let settings = try Self.settings()
        try await TestBackend.withStarted { backend in
            let config = try temporaryFile(TestConfig.single(backendURL: backend.baseURL))
            defer { try? FileManager.default.removeItem(at: config.deletingLastPathComponent()) }

            let check = try Self.command(try #require(settings["ExecStartPre"]), config: config.path)
            let checked = try GatewayExecutable.run(Array(check.dropFirst()))
            #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")

            let start = try Self.command(try #require(settings["ExecStart"]), config: config.path)
            try #require(Array(start.prefix(4)) == [try GatewayExecutable.url.path, "serve", "--config", config.path])
            let gateway = try GatewayProcess(configPath: config.path, arguments: Array(start.dropFirst(4)))
            let admin = try #require(gateway.adminPort)
            #expect(try configDocument(adminPort: admin)["lastReload"] is NSNull)

            // `systemctl reload`: ExecReload with $MAINPID.
            let reload = try #require(settings["ExecReload"]).replacingOccurrences(of: "$MAINPID", with: String(gateway.process.processIdentifier))
            let words = reload.split(separator: " ").map(String.init)
            let sent = try runCommand(words[0], Array(words.dropFirst()))
            #expect(sent.status == 0, "\(sent.stderr)")
            let deadline = ContinuousClock.now + .seconds(5)
            var lastReload: [String: Any]?
            while ContinuousClock.now < deadline, lastReload == nil {
                lastReload = try configDocument(adminPort: admin)["lastReload"] as? [String: Any]
                if lastReload == nil { usleep(20_000) }
            }
            #expect(lastReload?["result"] as? String == "unchanged", "SIGHUP re-read the file: \(String(describing: lastReload))")
            #expect(gateway.stdout.contents.contains("trigger=SIGHUP"))

            // `systemctl stop`: KillSignal, then TimeoutStopSec before SIGKILL.
            #expect(settings["KillSignal"] == "SIGTERM")
            let timeout = try #require(settings["TimeoutStopSec"].flatMap { Int($0) })
            let drainMilliseconds = try #require(start.firstIndex(of: "--drain-timeout-ms").flatMap { Int(start[$0 + 1]) })
            #expect(drainMilliseconds / 1000 + 1 < timeout, "the drain and its last second fit in TimeoutStopSec")
            gateway.signal(SIGTERM)
            #expect(gateway.waitForExitStatus(timeout: .seconds(timeout)) == 0)
        }
    }
}
