import Foundation
import GatewayTestSupport
import Testing

/// SPEC §9 triggers, against the real executable: each applies a change within 2 s.
@Suite(.serialized) struct ReloadTriggerTests {
    static func changed(_ config: ReloadConfig) -> ReloadConfig { config.with("alpha", version: "alpha-2") }

    /// Same-size edit, seconds after start: only the content hash (or nanosecond mtime) tells.
    @Test func inPlaceWrite() async throws {
        try await TestBackend.withStarted { backend in
            let config = ReloadConfig.pair(backend: backend.baseURL)
            let gateway = try ReloadingGateway.start(config)
            #expect(try gateway.version(of: "alpha") == "alpha-1")
            try gateway.writeInPlace(Self.changed(config))
            #expect(try gateway.waitForVersion("alpha-2", of: "alpha") != nil)
            #expect(try gateway.version(of: "beta") == "beta-1")
            #expect(gateway.stop() == 0)
        }
    }

    /// Write a new file next to it, then rename over it (atomic saves, `sed -i`, most tools).
    @Test func replaceByRename() async throws {
        try await TestBackend.withStarted { backend in
            let config = ReloadConfig.pair(backend: backend.baseURL)
            let gateway = try ReloadingGateway.start(config)
            let staging = gateway.file.deletingLastPathComponent().appendingPathComponent(".gateway.json.tmp")
            try Data(Self.changed(config).text.utf8).write(to: staging)
            #expect(rename(staging.path, gateway.file.path) == 0)
            #expect(try gateway.waitForVersion("alpha-2", of: "alpha") != nil)
            #expect(gateway.stop() == 0)
        }
    }

    /// A Kubernetes ConfigMap volume: `gateway.json -> ..data/gateway.json`, `..data -> ..<timestamp>`;
    /// an update writes a new timestamped directory and renames a new `..data` link over the old one.
    @Test func configMapSymlinkSwap() async throws {
        try await TestBackend.withStarted { backend in
            let config = ReloadConfig.pair(backend: backend.baseURL)
            let volume = FileManager.default.temporaryDirectory.appendingPathComponent("configmap-\(UUID().uuidString)")
            let manager = FileManager.default
            func writeVersion(_ name: String, _ config: ReloadConfig) throws {
                let directory = volume.appendingPathComponent(name)
                try manager.createDirectory(at: directory, withIntermediateDirectories: true)
                try Data(config.text.utf8).write(to: directory.appendingPathComponent("gateway.json"))
            }
            try writeVersion("..2026_11_30_01", config)
            try manager.createSymbolicLink(atPath: volume.appendingPathComponent("..data").path, withDestinationPath: "..2026_11_30_01")
            let path = volume.appendingPathComponent("gateway.json").path
            try manager.createSymbolicLink(atPath: path, withDestinationPath: "..data/gateway.json")
            // stop() removes the file's directory: the whole volume.
            let gateway = ReloadingGateway(process: try GatewayProcess(configPath: path), file: URL(fileURLWithPath: path))
            #expect(try gateway.version(of: "alpha") == "alpha-1")

            try writeVersion("..2026_11_30_02", Self.changed(config))
            let staging = volume.appendingPathComponent("..data_tmp").path
            try manager.createSymbolicLink(atPath: staging, withDestinationPath: "..2026_11_30_02")
            #expect(rename(staging, volume.appendingPathComponent("..data").path) == 0)
            try manager.removeItem(at: volume.appendingPathComponent("..2026_11_30_01"))

            #expect(try gateway.waitForVersion("alpha-2", of: "alpha") != nil, "the symlink swap was not noticed within 2 s")
            #expect(gateway.stop() == 0)
        }
    }

    /// With the file watch off, the change applies only when SIGHUP says so.
    @Test func sighup() async throws {
        try await TestBackend.withStarted { backend in
            let config = ReloadConfig.pair(backend: backend.baseURL)
            let gateway = try ReloadingGateway.start(config, arguments: ["--no-watch-config"])
            try gateway.writeInPlace(Self.changed(config))
            try await Task.sleep(for: .milliseconds(800))
            #expect(try gateway.version(of: "alpha") == "alpha-1", "without a trigger nothing changes")
            gateway.process.signal(SIGHUP)
            #expect(try gateway.waitForVersion("alpha-2", of: "alpha") != nil)
            #expect(gateway.process.process.isRunning, "SIGHUP must not end the process")
            #expect(gateway.stop() == 0)
        }
    }

    @Test func postReload() async throws {
        try await TestBackend.withStarted { backend in
            let config = ReloadConfig.pair(backend: backend.baseURL)
            let gateway = try ReloadingGateway.start(config, arguments: ["--no-watch-config"])
            try gateway.writeInPlace(Self.changed(config))
            let (status, report) = try gateway.reloadThroughAdmin()
            #expect(status == 200)
            #expect(report["result"] as? String == "applied")
            #expect(report["applied"] as? [String] == ["alpha"])
            #expect(report["unchanged"] as? [String] == ["beta"])
            #expect(report["generation"] as? Int == 2)
            #expect(try gateway.version(of: "alpha") == "alpha-2", "applied before the answer")
            let again = try gateway.reloadThroughAdmin()
            #expect(again.report["result"] as? String == "unchanged")
            #expect(again.report["generation"] as? Int == 2)
            #expect(gateway.stop() == 0)
        }
    }
}
