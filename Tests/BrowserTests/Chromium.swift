import Foundation
import Testing

/// Finds and drives a headless Chromium.
///
/// The page the browser loads reports every scenario outcome to the ``PageServer`` it came from,
/// so no DOM dump and no virtual time is needed: the browser runs in real time (JavaScript timers
/// work, a hung fetch times out in the page), and once the page reports `/done` the browser is
/// terminated.
enum Chromium {
    /// Names looked up on PATH, in order; `CHROMIUM_BIN` overrides them.
    static let candidates = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]

    /// The Chromium executable, or nil when none is installed.
    static func locate() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["CHROMIUM_BIN"], !explicit.isEmpty {
            return FileManager.default.isExecutableFile(atPath: explicit) ? explicit : nil
        }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for name in self.candidates {
            for directory in path.split(separator: ":") where !directory.isEmpty {
                let file = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: file) { return file }
            }
        }
        return nil
    }

    /// The Chromium executable; records a failing issue when there is none. A browser test
    /// never passes without a browser: under CI (`CI` set) that is a hard requirement, locally
    /// it is a reminder that `make test` installs it.
    static func required(sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        if let executable = self.locate() { return executable }
        if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record(
                "chromium is required for BrowserTests under CI: install the Debian package `chromium` (make deps does)",
                sourceLocation: sourceLocation)
        } else {
            Issue.record(
                "chromium not found on PATH (nor CHROMIUM_BIN): BrowserTests cannot run; `make test` installs it (apt-get install -y chromium)",
                sourceLocation: sourceLocation)
        }
        return nil
    }

    /// The command-line flags used for every run, before the URL.
    static func flags(userDataDirectory: String) -> [String] {
        [
            "--headless=new",
            "--no-sandbox",  // tests run as root
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--user-data-dir=\(userDataDirectory)",
        ]
    }

    struct Run {
        /// True when the page reported `/done` before the deadline.
        var finished: Bool
        /// The browser's exit status, or nil when it was still running and had to be stopped.
        var exitStatus: Int32?
        var seconds: Double
        /// The last lines of the browser's stderr, for failure messages.
        var stderrTail: String
        /// All of the browser's stderr (console messages land there with `consoleLoggingFlags`).
        var stderrText: String
    }

    /// Flags that make Chromium print every console message (CORS errors included) to stderr as
    /// `…:INFO:CONSOLE…] "message", source: …`.
    static let consoleLoggingFlags = ["--enable-logging=stderr", "--v=0"]

    /// The CORS sentences in a run's stderr (`…:INFO:CONSOLE…] "Access to fetch at …", source: …`).
    static func corsConsoleMessages(in stderr: String) -> [String] {
        stderr.split(separator: "\n").compactMap { line in
            guard line.contains(":CONSOLE"), let start = line.range(of: "] \"Access to fetch at "),
                let end = line.range(of: "\", source: ", options: .backwards)
            else { return nil }
            return String(line[line.index(start.lowerBound, offsetBy: 3)..<end.lowerBound])
        }
    }

    /// Starts `executable` on `url` with a throw-away profile and `extraFlags` after ``flags(userDataDirectory:)``,
    /// waits until `isFinished()` holds, the browser exits, or `timeout` passes, then stops it
    /// (SIGTERM, then SIGKILL). `preferences` (JSON), when given, is the profile's
    /// `Default/Preferences` file: settings a user would change in the browser's UI.
    static func run(
        executable: String, url: String, extraFlags: [String] = [], preferences: String? = nil, timeout: Duration,
        isFinished: () -> Bool
    ) async throws -> Run {
        let clock = ContinuousClock()
        let started = clock.now
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("browser-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let profile = scratch.appendingPathComponent("profile").path
        if let preferences {
            let directory = "\(profile)/Default"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(preferences.utf8).write(to: URL(fileURLWithPath: "\(directory)/Preferences"))
        }
        let stdoutURL = scratch.appendingPathComponent("stdout.txt")
        let stderrURL = scratch.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)

        var environment = ProcessInfo.processInfo.environment
        // A writable home for everything Chromium insists on writing, away from the real one.
        environment["HOME"] = scratch.path
        environment["XDG_CONFIG_HOME"] = scratch.appendingPathComponent("config").path
        environment["XDG_CACHE_HOME"] = scratch.appendingPathComponent("cache").path
        environment["XDG_DATA_HOME"] = scratch.appendingPathComponent("data").path
        environment["XDG_RUNTIME_DIR"] = scratch.path
        environment.removeValue(forKey: "DBUS_SESSION_BUS_ADDRESS")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = self.flags(userDataDirectory: profile) + extraFlags + [url]
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let stdout = try FileHandle(forWritingTo: stdoutURL)
        let stderr = try FileHandle(forWritingTo: stderrURL)
        defer {
            try? stdout.close()
            try? stderr.close()
        }
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()

        // Poll rather than waitUntilExit(), which spins a run loop at full CPU on Linux.
        let deadline = started + timeout
        var finished = false
        while clock.now < deadline {
            if isFinished() {
                finished = true
                break
            }
            if !process.isRunning { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        if !finished { finished = isFinished() }

        var exitStatus: Int32? = nil
        if process.isRunning {
            process.terminate()  // SIGTERM to the browser process; its children follow it
            let killDeadline = clock.now + .seconds(5)
            while process.isRunning && clock.now < killDeadline {
                try? await Task.sleep(for: .milliseconds(20))
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
            }
        } else {
            exitStatus = process.terminationStatus
        }

        let errorText = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
        let tail = errorText.split(separator: "\n").suffix(15).joined(separator: "\n")
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Run(finished: finished, exitStatus: exitStatus, seconds: seconds, stderrTail: tail, stderrText: errorText)
    }
}
