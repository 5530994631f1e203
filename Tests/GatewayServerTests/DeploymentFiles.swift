import Foundation
import GatewayTestSupport
import Testing

/// The repository's deployment files (deploy/, Containerfile) and the tools the deployment
/// tests read them with. `make test` installs the tools: Debian packages (haproxy, systemd,
/// util-linux) and, in `.build-venv`, kubernetes-validate with PyYAML from PyPI.
enum DeploymentFiles {
    /// The package root: this file is Tests/GatewayServerTests/DeploymentFiles.swift.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }

    /// The virtual environment `make deploy-test-deps` (part of `make test`) creates.
    static let venv = url(".build-venv")

    /// `path` when it is executable; otherwise records an issue saying how to install it.
    static func requiredTool(_ path: String, installedBy how: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        if FileManager.default.isExecutableFile(atPath: path) { return path }
        Issue.record("\(path) is missing: \(how)", sourceLocation: sourceLocation)
        return nil
    }

    static func venvTool(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        requiredTool(venv.appendingPathComponent("bin/\(name)").path,
                     installedBy: "run `make deploy-test-deps` (`make test` does) to create .build-venv", sourceLocation: sourceLocation)
    }

    /// Every YAML document of `relativePath`, converted to JSON by PyYAML.
    static func documents(_ relativePath: String) throws -> [[String: Any]] {
        let python = try #require(venvTool("python"))
        let script = "import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]))"
        let result = try runCommand(python, ["-c", script, url(relativePath).path])
        try #require(result.status == 0, "\(relativePath) does not parse as YAML: \(result.stderr)")
        let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(parsed as? [[String: Any]])
    }

    /// The one document of `relativePath`, decoded.
    static func manifest<T: Decodable>(_ type: T.Type, _ relativePath: String) throws -> T {
        let documents = try documents(relativePath)
        try #require(documents.count == 1, "\(relativePath) holds \(documents.count) documents")
        return try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: documents[0]))
    }
}

/// Runs a command to completion (killed after `timeout`) and returns its status and output.
func runCommand(
    _ path: String, _ arguments: [String], environment: [String: String]? = nil, timeout: Duration = .seconds(60)
) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = PipeCollector(out)
    let stderr = PipeCollector(err)
    guard waitForExit(process, timeout: timeout) else {
        kill(process.processIdentifier, SIGKILL)
        throw GatewayProcessError.timedOut([path] + arguments)
    }
    // The pipes end with the process; their readers finish right after.
    _ = stdout.wait(timeout: .seconds(5)) { _ in stdout.isFinished }
    _ = stderr.wait(timeout: .seconds(5)) { _ in stderr.isFinished }
    return (process.terminationStatus, stdout.contents, stderr.contents)
}

/// A directory laid out as the kubelet lays out a ConfigMap volume: `gateway.json` →
/// `..data/gateway.json`, `..data` → `..<timestamp>/`; an update writes a new timestamped
/// directory, renames a new `..data` link over the old one, and removes the old directory.
final class ConfigMapVolume {
    let directory: URL
    private var current: String?
    private var updates = 0

    /// The path the Deployment's `--config` names.
    var configPath: String { directory.appendingPathComponent("gateway.json").path }

    init(gatewayJSON: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("configmap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try update(gatewayJSON)
        try FileManager.default.createSymbolicLink(atPath: configPath, withDestinationPath: "..data/gateway.json")
    }

    /// The kubelet's atomic update: readers see the old file or the new one, never a mix.
    func update(_ gatewayJSON: String) throws {
        updates += 1
        let manager = FileManager.default
        let name = String(format: "..2026_12_05_12_00_%02d.%09d", updates, Int.random(in: 0..<1_000_000_000))
        let timestamped = directory.appendingPathComponent(name)
        try manager.createDirectory(at: timestamped, withIntermediateDirectories: false)
        try Data(gatewayJSON.utf8).write(to: timestamped.appendingPathComponent("gateway.json"))
        let staging = directory.appendingPathComponent("..data_tmp")
        try manager.createSymbolicLink(atPath: staging.path, withDestinationPath: name)
        guard rename(staging.path, directory.appendingPathComponent("..data").path) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        if let previous = current { try manager.removeItem(at: directory.appendingPathComponent(previous)) }
        current = name
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// The parts of deploy/kubernetes/deployment.yaml the tests check and run by.
struct DeploymentManifest: Decodable {
    struct Metadata: Decodable {
        var name: String?
        var labels: [String: String]?
        var annotations: [String: String]?
    }

    struct HTTPGet: Decodable { var path: String; var port: String }
    struct Probe: Decodable { var httpGet: HTTPGet }
    struct Port: Decodable { var name: String; var containerPort: Int }
    struct ExecAction: Decodable { var command: [String] }
    struct Handler: Decodable { var exec: ExecAction? }
    struct Lifecycle: Decodable { var preStop: Handler? }
    struct Resources: Decodable { var requests: [String: String]?; var limits: [String: String]? }
    struct ContainerSecurity: Decodable { var readOnlyRootFilesystem: Bool?; var allowPrivilegeEscalation: Bool? }
    struct VolumeMount: Decodable { var name: String; var mountPath: String; var subPath: String?; var readOnly: Bool? }
    struct Container: Decodable {
        var name: String
        var args: [String]
        var ports: [Port]
        var readinessProbe: Probe?
        var livenessProbe: Probe?
        var lifecycle: Lifecycle?
        var resources: Resources?
        var securityContext: ContainerSecurity?
        var volumeMounts: [VolumeMount]
    }
    struct PodSecurity: Decodable { var runAsNonRoot: Bool?; var runAsUser: Int?; var runAsGroup: Int? }
    struct ConfigMapSource: Decodable { var name: String }
    struct SecretSource: Decodable { var secretName: String; var optional: Bool? }
    struct Volume: Decodable { var name: String; var configMap: ConfigMapSource?; var secret: SecretSource? }
    struct PodSpec: Decodable {
        var terminationGracePeriodSeconds: Int
        var securityContext: PodSecurity?
        var containers: [Container]
        var volumes: [Volume]
    }
    struct Template: Decodable { var metadata: Metadata; var spec: PodSpec }
    struct Spec: Decodable { var replicas: Int; var template: Template }

    var kind: String
    var metadata: Metadata
    var spec: Spec

    static func load() throws -> DeploymentManifest {
        let manifest = try DeploymentFiles.manifest(Self.self, "deploy/kubernetes/deployment.yaml")
        try #require(manifest.kind == "Deployment")
        return manifest
    }

    var pod: PodSpec { spec.template.spec }
    var container: Container { get throws { try #require(pod.containers.first { $0.name == "gateway" }) } }

    func port(named name: String) throws -> Int { try #require(container.ports.first { $0.name == name }).containerPort }

    /// The value after `option` in the container's args.
    func argument(_ option: String) throws -> String {
        let args = try container.args
        let index = try #require(args.firstIndex(of: option), "no \(option) in \(args)")
        return try #require(args.indices.contains(index + 1) ? args[index + 1] : nil)
    }

    /// The preStop hook's `sleep` seconds (0 without one).
    var preStopSeconds: Int {
        get throws {
            guard let command = try container.lifecycle?.preStop?.exec?.command else { return 0 }
            try #require(command.count == 2 && command[0] == "sleep", "preStop is not a sleep: \(command)")
            return try #require(Int(command[1]))
        }
    }

    /// The container's args after `serve --config PATH`, for ``GatewayProcess``, which
    /// supplies those with the test's config path.
    var serveOptions: [String] {
        get throws {
            var args = try container.args
            try #require(args.first == "serve", "the container does not run `serve`: \(args)")
            args.removeFirst()
            let index = try #require(args.firstIndex(of: "--config"))
            args.removeSubrange(index...(index + 1))
            return args
        }
    }
}

/// A ConfigMap manifest holding gateway.json.
struct ConfigMapManifest: Decodable {
    struct Metadata: Decodable { var name: String }
    var kind: String
    var metadata: Metadata
    var data: [String: String]

    static func load(_ relativePath: String = "deploy/kubernetes/configmap.yaml") throws -> ConfigMapManifest {
        let manifest = try DeploymentFiles.manifest(Self.self, relativePath)
        try #require(manifest.kind == "ConfigMap")
        return manifest
    }

    var gatewayJSON: String { get throws { try #require(data["gateway.json"]) } }

    /// gateway.json as the pods have it, made runnable here: every listener on 127.0.0.1 port 0
    /// and every backend at `backendURL`; `responseHeaders` are set on every route's responses.
    func runnableGatewayJSON(backendURL: String, responseHeaders: [String: String] = [:]) throws -> String {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(gatewayJSON.utf8)) as? [String: Any])
        object["listen"] = ["127.0.0.1:0"]
        object["admin"] = "127.0.0.1:0"
        object["probes"] = "127.0.0.1:0"
        var backends = try #require(object["backends"] as? [String: [String: Any]])
        for name in backends.keys { backends[name]?["url"] = backendURL }
        object["backends"] = backends
        if !responseHeaders.isEmpty {
            let routes = try #require(object["routes"] as? [[String: Any]])
            object["routes"] = routes.map { route in
                var route = route
                route["headers"] = ["response": ["set": responseHeaders]]
                return route
            }
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

/// `GET /config` on an admin port, parsed.
func configDocument(adminPort: Int) throws -> [String: Any] {
    let response = try RawHTTPClient.request(port: adminPort, path: "/config")
    try #require(response.status == 200)
    return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
}
