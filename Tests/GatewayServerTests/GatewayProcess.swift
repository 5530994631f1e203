import Foundation
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

/// A `cors-gateway serve` child process, stopped with SIGTERM.
final class GatewayProcess {
    let process: Process
    let port: Int

    init(configPath: String) throws {
        let process = Process()
        process.executableURL = try GatewayExecutable.url
        process.arguments = ["serve", "--config", configPath]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        // The first line says where it listens: "listening on 127.0.0.1:PORT".
        let reader = out.fileHandleForReading
        var text = ""
        let deadline = ContinuousClock.now + .seconds(20)
        while !text.contains("\n"), ContinuousClock.now < deadline, process.isRunning {
            text += String(decoding: reader.availableData, as: UTF8.self)
        }
        guard let line = text.split(separator: "\n").first, let colon = line.lastIndex(of: ":"),
            let port = Int(line[line.index(after: colon)...])
        else {
            process.terminate()
            throw GatewayProcessError.noListeningLine(text)
        }
        self.port = port
    }

    /// SIGTERM, then the exit status (SIGKILL and -1 if it does not exit within 10 s).
    func stop() -> Int32 {
        self.process.terminate()
        guard waitForExit(self.process, timeout: .seconds(10)) else {
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
