import ArgumentParser
import CORSProbe
import Foundation

/// `cors-gateway probe`: a browser's CORS verdict for any live URL (SPEC §13). The deciding is in
/// FetchCORS, the asking in CORSProbe; this only reads the command line and picks the exit code.
struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a live server what a browser's fetch would ask, and decide as Chromium does.",
        discussion: """
            Sends the preflight (when the browser would), then, if it passed, the actual request (a \
            DELETE is really sent), then the same question with an unlisted origin and with null for \
            the hazards. Exit 0 allowed, 1 blocked, 2 could not ask. See Docs/probe.md.
            """
    )

    @Argument(help: "The URL the page fetches (http:// or https://).")
    var url: String

    @Option(help: "The page's origin, as the browser sends it (e.g. https://app.example.com).")
    var origin: String

    @Option(help: "The fetch's method.")
    var method: String = "GET"

    @Option(name: .customLong("header"), help: "A request header the fetch sets: NAME:VALUE, or NAME alone for the value 'probe' (repeatable).")
    var headers: [String] = []

    @Flag(help: "fetch with credentials: 'include' (cookies; the probe itself sends none).")
    var credentials = false

    @Option(help: "A PEM file of CA certificates to trust for https URLs.")
    var cacert: String?

    @Option(help: "Seconds to wait for each answer.")
    var timeout: Int = 15

    @Flag(help: "Print one JSON object instead of the report.")
    var json = false

    func run() throws {
        do {
            let request = try ProbeRequest.parse(
                url: self.url, origin: self.origin, method: self.method, headers: self.headers, credentials: self.credentials,
                caFile: self.cacert, timeoutSeconds: max(1, self.timeout))
            let report = try ProbeRunner.run(request)
            print(self.json ? report.json : report.text, terminator: "")
            throw ExitCode(report.exitCode)
        } catch let error as ProbeError {
            FileHandle.standardError.write(Data("cors-gateway probe: could not ask: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
