import Foundation

extension PageServer {
    /// Serves the scenario page, loads it from `pageHost` in a fresh headless Chromium started
    /// with `flags` (and profile `preferences`, see ``Chromium/run(executable:url:extraFlags:preferences:timeout:isFinished:)``),
    /// and returns every scenario's result by name, with the browser's stderr (its console, with
    /// ``Chromium/consoleLoggingFlags``). Throws when the page does not finish in time or a
    /// scenario reports nothing.
    func run(
        _ scenarios: [FetchScenario], chromium: String, pageHost: String, flags: [String] = [], preferences: String? = nil
    ) async throws -> (results: [String: ScenarioResult], stderr: String) {
        let run = UUID().uuidString
        self.serve(page: try scenarioPage(run: run, scenarios: scenarios))
        let url = self.origin(host: pageHost) + "/app.html"
        let outcome = try await Chromium.run(executable: chromium, url: url, extraFlags: flags, preferences: preferences, timeout: .seconds(40)) {
            self.finished(run: run)
        }
        var results: [String: ScenarioResult] = [:]
        var pageErrors: [String] = []
        for report in self.reports {
            guard let result = ScenarioResult(report: report, run: run) else { continue }
            if result.name == "__page_error__" {
                pageErrors.append(result.error ?? "?")
            } else {
                results[result.name] = result
            }
        }
        let missing = scenarios.map(\.name).filter { results[$0] == nil }
        guard outcome.finished, missing.isEmpty, pageErrors.isEmpty else {
            throw BrowserRunError(
                url: url, run: outcome, missing: missing, pageErrors: pageErrors,
                results: Array(results.values), pageRequests: self.requestLog)
        }
        return (results, outcome.stderrText)
    }
}

struct BrowserRunError: Error, CustomStringConvertible {
    var url: String
    var run: Chromium.Run
    var missing: [String]
    var pageErrors: [String]
    var results: [ScenarioResult]
    var pageRequests: [String]

    var description: String {
        """
        headless Chromium did not complete the scenario page \(self.url) \
        (finished: \(self.run.finished), exit status: \(self.run.exitStatus.map(String.init) ?? "killed"), \
        \(String(format: "%.1f", self.run.seconds)) s); missing scenarios: \(self.missing); page errors: \(self.pageErrors)
        results so far: \(self.results.map(\.description))
        page server saw: \(self.pageRequests.suffix(10).map { String($0.prefix(120)) })
        chromium stderr (tail):
        \(self.run.stderrTail)
        """
    }
}
