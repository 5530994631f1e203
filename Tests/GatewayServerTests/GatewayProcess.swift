import Foundation
import NIOConcurrencyHelpers
import Testing

/// The built `cors-gateway` executable, run as a child process the way users run it.
enum GatewayExecutable {
    /// Next to the test bundle in the build products directory (`swift build --build-tests`
    /// builds both).
    static var url: URL {
        get throws {
            let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            for directory in [products, products.deletingLastPathComponent()] {
                let candidate = directory.appendingPathComponent("cors-gateway")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
            throw GatewayProcessError.executableMissing(products.path)
        }
    }

    /// Runs `cors-gateway` with `arguments` to completion; returns its exit code and output.
    static func run(_ arguments: [String], timeout: Duration = .seconds(30)) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = try url
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        guard waitForExit(process, timeout: timeout) else {
            kill(process.processIdentifier, SIGKILL)
            throw GatewayProcessError.timedOut(arguments)
        }
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, stdout, stderr)
    }
}

/// Everything a child writes to one pipe, read on a thread of its own until end of file.
final class PipeCollector: Sendable {
    private let text = NIOLockedValueBox("")
    private let finished = NIOLockedValueBox(false)

    init(_ pipe: Pipe) {
        let reader = pipe.fileHandleForReading
        Thread.detachNewThread { [text, finished] in
            while true {
                let data = reader.availableData
                if data.isEmpty { break }
                text.withLockedValue { $0 += String(decoding: data, as: UTF8.self) }
            }
            finished.withLockedValue { $0 = true }
        }
    }

    var contents: String { self.text.withLockedValue { $0 } }
    var lines: [String] { self.contents.split(separator: "\n").map(String.init) }
    /// The writer closed its end (the process exited) and everything was read.
    var isFinished: Bool { self.finished.withLockedValue { $0 } }

    /// Polls until `predicate` holds for the text so far; false after `timeout`.
    func wait(timeout: Duration = .seconds(20), until predicate: (String) -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if predicate(self.contents) { return true }
            usleep(5_000)
        }
        return predicate(self.contents)
    }
}

/// A `cors-gateway serve` child process, stopped with SIGTERM.
final class GatewayProcess {
    let process: Process
    let port: Int
    /// Set when the config has an `admin` listener.
    let adminPort: Int?
    /// Set when the config has a `probes` listener.
    let probesPort: Int?
    let stdout: PipeCollector
    let stderr: PipeCollector

    /// `prefix` runs before the executable and its arguments (e.g. `setpriv` options),
    /// `directory` is its working directory, and `openFileLimit` runs it through util-linux's
    /// `prlimit` with that RLIMIT_NOFILE.
    init(
        configPath: String, arguments: [String] = [], prefix: [String] = [], directory: URL? = nil, openFileLimit: Int? = nil
    ) throws {
        let process = Process()
        let executable = try GatewayExecutable.url
        let limit = openFileLimit.map { ["/usr/bin/prlimit", "--nofile=\($0):\($0)", "--"] } ?? []
        let launch = limit + prefix
        if let launcher = launch.first {
            process.executableURL = URL(fileURLWithPath: launcher)
            process.arguments = Array(launch.dropFirst()) + [executable.path, "serve", "--config", configPath] + arguments
        } else {
            process.executableURL = executable
            process.arguments = ["serve", "--config", configPath] + arguments
        }
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        self.process = process
        self.stdout = PipeCollector(out)
        self.stderr = PipeCollector(err)
        // "listening on 127.0.0.1:PORT", then "admin listening on …" and "probes listening on …"
        // when there are such listeners; the first log line follows them.
        let expectsAdmin = Self.configHasAdmin(configPath)
        let expectsProbes = Self.configHasProbes(configPath)
        let ready = self.stdout.wait { text in
            !process.isRunning
                || (text.split(separator: "\n").contains { $0.hasPrefix("listening on ") } && (!expectsAdmin || text.contains("admin listening on "))
                    && (!expectsProbes || text.contains("probes listening on ")))
        }
        let lines = self.stdout.lines
        guard ready, let port = lines.lazy.compactMap({ Self.port(in: $0, prefix: "listening on ") }).first else {
            process.terminate()
            throw GatewayProcessError.noListeningLine(self.stdout.contents + self.stderr.contents)
        }
        self.port = port
        self.adminPort = lines.lazy.compactMap { Self.port(in: $0, prefix: "admin listening on ") }.first
        self.probesPort = lines.lazy.compactMap { Self.port(in: $0, prefix: "probes listening on ") }.first
    }

    private static func port(in line: String, prefix: String) -> Int? {
        guard line.hasPrefix(prefix), let colon = line.lastIndex(of: ":") else { return nil }
        return Int(line[line.index(after: colon)...])
    }

    /// `admin` defaults to a listener; only `"admin": null` turns it off.
    private static func configHasAdmin(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return true }
        return !(object["admin"] is NSNull)
    }

    /// `probes` is off unless the file sets an address.
    private static func configHasProbes(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return false }
        return object["probes"] is String
    }

    func signal(_ number: Int32) {
        kill(self.process.processIdentifier, number)
    }

    /// SIGTERM, then the exit status (SIGKILL and -1 if it does not exit within 10 s).
    func stop() -> Int32 {
        self.process.terminate()
        return self.waitForExitStatus(timeout: .seconds(10))
    }

    /// The exit status once the process has ended (SIGKILL and -1 after `timeout`).
    func waitForExitStatus(timeout: Duration) -> Int32 {
        guard waitForExit(self.process, timeout: timeout) else {
            kill(self.process.processIdentifier, SIGKILL)
            return -1
        }
        return self.process.terminationStatus
    }
}

/// Polls for a child's exit. (`Process.waitUntilExit` spins a run loop at full CPU here.)
func waitForExit(_ process: Process, timeout: Duration) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while process.isRunning, ContinuousClock.now < deadline { usleep(10_000) }
    return !process.isRunning
}

enum GatewayProcessError: Error {
    case executableMissing(String)
    case timedOut([String])
    case noListeningLine(String)
}

/// A temporary file holding `text`, removed by the caller.
func temporaryFile(_ text: String, name: String = "gateway.json") throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cors-gateway-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url
}
