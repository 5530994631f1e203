import Foundation
import GatewayTestSupport
import NIOConcurrencyHelpers
import Testing

/// SPEC §14: the real binary run the way deploy/kubernetes/deployment.yaml runs it — the
/// container's args, gateway.json from the ConfigMap in a ConfigMap-shaped directory, the pod's
/// non-root user, a read-only root file system — and then a ConfigMap update and a pod deletion.
///
/// The read-only root is real: the gateway runs in a mount namespace of its own (`unshare`)
/// where `/` is remounted read-only, as a container runtime does for `readOnlyRootFilesystem`
/// (`/dev/shm` stays writable there as in a pod). The test itself keeps writing the volume.
@Suite(.serialized) struct KubernetesPodRunTests {
    /// Where the pod's user could write at all: the world-writable directories.
    static let worldWritable = ["/tmp", "/var/tmp", "/dev/shm"]
    /// Runs the rest of its arguments with `/` read-only, in a mount namespace of their own.
    static let readOnlyRoot = ["/usr/bin/unshare", "--mount", "--propagation", "private",
                               "/bin/sh", "-c", #"mount -o remount,bind,ro / && exec "$0" "$@""#]

    @Test func runsAsThePodAndDrainsInsideTheGracePeriod() async throws {
        guard let setpriv = DeploymentFiles.requiredTool("/usr/bin/setpriv", installedBy: "apt-get install util-linux"),
            DeploymentFiles.requiredTool("/usr/bin/unshare", installedBy: "apt-get install util-linux") != nil,
            let find = DeploymentFiles.requiredTool("/usr/bin/find", installedBy: "apt-get install findutils")
        else { return }
        let deployment = try DeploymentManifest.load()
        let configMap = try ConfigMapManifest.load()
        let uid = try #require(deployment.pod.securityContext?.runAsUser)
        let gid = try #require(deployment.pod.securityContext?.runAsGroup)
        try #require(getuid() == 0, "dropping to the pod's user needs root")

        try await TestBackend.withStarted { backend in
            let volume = try ConfigMapVolume(gatewayJSON: try configMap.runnableGatewayJSON(backendURL: backend.baseURL))
            defer { volume.remove() }
            // The working directory, HOME and TMPDIR: read-only for the pod's user.
            let readOnly = FileManager.default.temporaryDirectory.appendingPathComponent("readonly-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: readOnly, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o555])
            defer { try? FileManager.default.removeItem(at: readOnly) }
            let marker = try temporaryFile("", name: "started")

            let started = ContinuousClock.now
            let gateway = try GatewayProcess(
                configPath: volume.configPath,
                arguments: try deployment.serveOptions,
                prefix: Self.readOnlyRoot + [setpriv, "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--no-new-privs",
                                             "/usr/bin/env", "HOME=\(readOnly.path)", "TMPDIR=\(readOnly.path)"],
                directory: readOnly
            )
            defer { if gateway.process.isRunning { _ = gateway.stop() } }
            let status = try Self.exercise(gateway, volume: volume, configMap: configMap, backend: backend, deployment: deployment)
            let elapsed = ContinuousClock.now - started
            #expect(status == 0)

            // It ran as the pod's user on a read-only root, and wrote nothing anywhere it could.
            let owned = try runCommand(find, Self.worldWritable + ["-xdev", "-uid", String(uid), "-newer", marker.path])
            #expect(owned.stdout.isEmpty, "files the gateway's user wrote: \(owned.stdout)")
            let output = gateway.stdout.contents + gateway.stderr.contents
            for problem in ["Read-only file system", "Permission denied", "EROFS", "EACCES"] {
                #expect(!output.contains(problem), "\(problem) in the output:\n\(output)")
            }
            #expect(elapsed < .seconds(60), "the whole run is bounded")
        }
    }

    /// Serving, probes, a ConfigMap update, SIGTERM; returns the exit status.
    private static func exercise(
        _ gateway: GatewayProcess, volume: ConfigMapVolume, configMap: ConfigMapManifest, backend: TestBackend,
        deployment: DeploymentManifest
    ) throws -> Int32 {
        let admin = try #require(gateway.adminPort)
        let probes = try #require(gateway.probesPort)
        #expect(try Self.processUID(gateway.process.processIdentifier) == deployment.pod.securityContext?.runAsUser)
        #expect(try Self.rootMountOptions(gateway.process.processIdentifier)?.hasPrefix("ro,") == true, "its / is read-only")

        // Clients, the probes listener (only its three endpoints), and the admin API.
        #expect(try RawHTTPClient.request(port: gateway.port, path: "/fn/echo").status == 200)
        #expect(try RawHTTPClient.request(port: probes, path: "/healthz").status == 200)
        #expect(try RawHTTPClient.request(port: probes, path: "/readyz").status == 200)
        let metrics = try RawHTTPClient.request(port: probes, path: "/metrics")
        #expect(metrics.status == 200)
        #expect(String(decoding: metrics.body, as: UTF8.self).contains("cors_gateway_requests_total{"))
        #expect(try RawHTTPClient.request(port: probes, path: "/config").status == 404)
        #expect(try RawHTTPClient.request(port: probes, method: "POST", path: "/reload").status == 404)
        #expect(try RawHTTPClient.request(port: admin, path: "/config").status == 200)

        // A ConfigMap update mid-run: the `..data` swap is picked up, and the hash tells.
        let updated = try configMap.runnableGatewayJSON(backendURL: backend.baseURL, responseHeaders: ["x-config": "2"])
        try volume.update(updated)
        let expected = try "sha256:" + sha256Hex(Data(updated.utf8))
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline, try configDocument(adminPort: admin)["hash"] as? String != expected { usleep(50_000) }
        #expect(try configDocument(adminPort: admin)["hash"] as? String == expected)
        #expect(try RawHTTPClient.request(port: gateway.port, path: "/fn/echo").header("x-config") == "2")

        // Pod deletion: SIGTERM with a request in flight. /readyz on the probes port turns 503,
        // the request finishes, the process exits 0 well inside the grace period.
        let inFlight = NIOLockedValueBox<Result<Int, any Error>?>(nil)
        let port = gateway.port
        let client = Thread {
            let result = Result { try RawHTTPClient.request(port: port, path: "/fn/slow-head/1500").status }
            inFlight.withLockedValue { $0 = result }
        }
        client.start()
        let sent = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < sent, !backend.requests.contains(where: { $0.uri == "/slow-head/1500" }) { usleep(10_000) }
        let terminated = ContinuousClock.now
        gateway.signal(SIGTERM)
        var sawDraining = false
        while !sawDraining, ContinuousClock.now < terminated + .seconds(1) {
            sawDraining = (try? RawHTTPClient.request(port: probes, path: "/readyz").status) == 503
            if !sawDraining { usleep(20_000) }
        }
        #expect(sawDraining, "/readyz on the probes port answers 503 while draining")
        let budget = Duration.seconds(deployment.pod.terminationGracePeriodSeconds - (try deployment.preStopSeconds))
        let status = gateway.waitForExitStatus(timeout: budget)
        let drained = ContinuousClock.now - terminated
        #expect(drained < budget, "exited \(drained) after SIGTERM; the grace period leaves \(budget)")
        let finished = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < finished, inFlight.withLockedValue({ $0 }) == nil { usleep(10_000) }
        #expect(try inFlight.withLockedValue { $0 }?.get() == 200, "the request in flight finished")
        return status
    }

    /// The mount options of `/` as a process sees it ("ro,relatime"), from /proc.
    private static func rootMountOptions(_ pid: Int32) throws -> String? {
        let mounts = try String(contentsOfFile: "/proc/\(pid)/mountinfo", encoding: .utf8)
        // "36 35 98:0 / / ro,relatime - ext4 …": the fifth field is the mount point.
        let root = mounts.split(separator: "\n").map { $0.split(separator: " ") }.last { $0.count > 5 && $0[4] == "/" }
        return root.map { String($0[5]) }
    }

    /// The real user id of a process, from /proc.
    private static func processUID(_ pid: Int32) throws -> Int? {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }
        return line?.split(separator: "\t").dropFirst().first.flatMap { Int($0) }
    }
}
