import CORSProbe
import FetchCORS
import Foundation
import Testing

/// SPEC §13 "The verdict must agree with headless Chromium": every case of ``AgreementMatrix``
/// is fetched by headless Chromium from a page on another loopback origin, then probed with
/// the same method, headers and credentials mode. Per case they must agree on allowed/blocked,
/// on the console sentence of a block (Chromium prints it to stderr), on which response headers
/// script can read, on whether a preflight is sent and on its Access-Control-Request-Headers.
@Suite(.serialized)
struct ProbeAgreementTests {
    @Test func probeAgreesWithChromiumOnEveryCaseOfTheMatrix() async throws {
        guard let chromium = Chromium.required() else { return }
        let page = try await PageServer.start()
        let pageOrigin = page.origin(host: "127.0.0.1")
        let cases = AgreementMatrix.cases(page: pageOrigin)
        #expect(cases.count >= 40, "SPEC §13 asks for a matrix of at least 40 server behaviours")
        #expect(Set(cases.map(\.name)).count == cases.count, "case names must be unique")
        var behaviours = AgreementMatrix.redirectTargets(page: pageOrigin)
        for item in cases { behaviours[item.name] = .init(preflight: item.preflight, actual: item.actual) }
        let server = try await CORSBehaviourServer.start(behaviours: behaviours)
        do {
            try await self.compare(cases: cases, chromium: chromium, page: page, server: server)
        } catch {
            await server.shutdown()
            await page.shutdown()
            throw error
        }
        await server.shutdown()
        await page.shutdown()
    }

    private func compare(cases: [AgreementCase], chromium: String, page: PageServer, server: CORSBehaviourServer) async throws {
        let pageOrigin = page.origin(host: "127.0.0.1")
        let url = { (item: AgreementCase) in "\(server.baseURL)/case/\(item.name)" }
        let scenarios = cases.map { item in
            FetchScenario(
                name: item.name, url: url(item), method: item.method, headers: item.headers,
                credentials: item.credentials ? "include" : "same-origin", readHeaders: item.read)
        }
        let run = UUID().uuidString
        page.serve(page: try scenarioPage(run: run, scenarios: scenarios))
        let browser = try await Chromium.run(
            executable: chromium, url: pageOrigin + "/matrix.html", timeout: .seconds(90), extraFlags: Chromium.consoleLoggingFlags
        ) { page.finished(run: run) }
        var results: [String: ScenarioResult] = [:]
        for report in page.reports {
            if let result = ScenarioResult(report: report, run: run) { results[result.name] = result }
        }
        try #require(browser.finished, "Chromium did not finish the matrix page: \(browser.stderrTail)")
        let consoleMessages = Self.corsConsoleMessages(in: browser.stderrText)
        let browserRequests = server.recorded.filter { !($0.value("User-Agent") ?? "").hasPrefix("cors-gateway-probe") }

        var agreed: [String] = []
        for item in cases {
            let result = try #require(results[item.name], "Chromium reported nothing for \(item.name)")
            let request = try ProbeRequest.parse(
                url: url(item), origin: pageOrigin, method: item.method, headers: item.headers.map { "\($0.0):\($0.1)" },
                credentials: item.credentials, caFile: nil)
            let report = try ProbeRunner.run(request)
            var disagreements: [String] = []

            let browserAllowed = result.isReadable
            if !browserAllowed && !result.isBlockedByCORS { disagreements.append("Chromium failed without a CORS TypeError: \(result)") }
            if browserAllowed != report.isAllowed {
                disagreements.append("Chromium \(browserAllowed ? "allowed" : "blocked"), probe \(report.verdict)")
            }
            let sentence = consoleMessages.first { $0.contains("'\(url(item))'") }
            if !browserAllowed, !Self.sameSentence(sentence, report.blocked) {
                disagreements.append("console sentence differs:\n  Chromium: \(sentence ?? "(none)")\n  probe:    \(report.blocked?.consoleMessage ?? "(none)")")
            }
            if browserAllowed, let sentence { disagreements.append("allowed, yet Chromium printed: \(sentence)") }
            if browserAllowed {
                for name in item.read {
                    let browserReads = result.header(name) != nil
                    let probeReads = report.actual?.readableHeaders.contains(name) ?? false
                    if browserReads != probeReads {
                        disagreements.append("header \(name): Chromium \(browserReads ? "reads" : "hides") it, probe says \(probeReads ? "readable" : "hidden")")
                    }
                }
            }
            let browserPreflight = browserRequests.first { $0.method == "OPTIONS" && $0.path == "/case/\(item.name)" }
            if (browserPreflight != nil) != report.preflight.needed {
                disagreements.append("Chromium \(browserPreflight == nil ? "sent no" : "sent a") preflight, probe says \(report.preflight.needed ? "needed" : "not needed")")
            }
            if let browserPreflight, (browserPreflight.value("Access-Control-Request-Headers") ?? "") != report.preflight.requestHeaders.joined(separator: ",") {
                disagreements.append(
                    "Access-Control-Request-Headers: Chromium \(browserPreflight.value("Access-Control-Request-Headers") ?? "(none)"), probe \(report.preflight.requestHeaders.joined(separator: ","))")
            }
            if let expected = item.hazards, Set(report.hazards.map(\.code)) != Set(expected) {
                disagreements.append("hazards \(report.hazards.map(\.code)), expected \(expected)")
            }
            #expect(disagreements.isEmpty, "case \(item.name): \(disagreements.joined(separator: "; "))")
            if disagreements.isEmpty { agreed.append(item.name) }
        }
        let blocked = cases.filter { results[$0.name]?.isReadable == false }.count
        print("probe/Chromium agreement: \(agreed.count)/\(cases.count) cases agree (\(blocked) blocked by Chromium, \(cases.count - blocked) allowed)")
        #expect(agreed.count == cases.count)
    }

    /// Equal sentences; when several request headers are missing from the allow list, Chromium
    /// names one of them in an order of its own, so any of probe's disallowed names will do.
    static func sameSentence(_ chromium: String?, _ blocked: ProbeReport.BlockedPart?) -> Bool {
        guard let chromium, let blocked else { return false }
        if chromium == blocked.consoleMessage { return true }
        guard let names = blocked.disallowedHeaders, let first = names.first else { return false }
        let pattern = "Request header field \(first) is not allowed"
        return names.contains { chromium == blocked.consoleMessage.replacingOccurrences(of: pattern, with: "Request header field \($0) is not allowed") }
    }

    /// The CORS sentences in Chromium's stderr (`…:INFO:CONSOLE…] "Access to fetch at …", source: …`).
    static func corsConsoleMessages(in stderr: String) -> [String] {
        stderr.split(separator: "\n").compactMap { line in
            guard line.contains(":CONSOLE"), let start = line.range(of: "] \"Access to fetch at "),
                let end = line.range(of: "\", source: ", options: .backwards)
            else { return nil }
            return String(line[line.index(start.lowerBound, offsetBy: 3)..<end.lowerBound])
        }
    }
}
