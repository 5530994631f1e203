import CORSProbe
import FetchCORS
import Foundation
import Testing

/// SPEC §13 "The verdict must agree with headless Chromium": the same fetch is made by headless
/// Chromium from a page on another loopback origin and probed with the same URL, method,
/// headers and credentials mode. Per case they must agree on allowed/blocked, on the console
/// sentence of a block (Chromium prints it to stderr), and on which response headers script can
/// read; against ``CORSBehaviourServer`` also on whether a preflight is sent and on its
/// Access-Control-Request-Headers.
@Suite(.serialized)
struct ProbeAgreementTests {
    /// Every case of ``AgreementMatrix`` (72 server behaviours).
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
            try await self.compareMatrix(cases: cases, chromium: chromium, page: page, server: server)
        } catch {
            await server.shutdown()
            await page.shutdown()
            throw error
        }
        await server.shutdown()
        await page.shutdown()
    }

    /// The fetches of ``BrowserCORSTests`` against the gateway (its CORS routes, a CORS-less
    /// route whose backend sends its own headers, a gateway 502), from the allowed page origin
    /// and from a disallowed one.
    @Test func probeAgreesWithChromiumOnTheGatewayScenariosOfTheBrowserTests() async throws {
        try await BrowserEnvironment.with { env in
            let origin = env.pageOrigin.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let allow = "Access-Control-Allow-Origin=\(origin)"
            let fromAllowedPage = [
                env.scenario(
                    "backend-acao", "/raw/headers?\(allow)&Access-Control-Expose-Headers=x-exposed&X-Exposed=yes&X-Hidden=no",
                    read: ["x-exposed", "x-hidden"]),
                env.scenario("no-acao", "/raw/echo/sanity"),
                env.scenario("backend-credentials", "/raw/headers?\(allow)&Access-Control-Allow-Credentials=true", credentials: "include"),
                env.scenario("backend-no-credentials", "/raw/headers?\(allow)", credentials: "include"),
                env.scenario(
                    "backend-preflight", "/raw/headers?\(allow)&Access-Control-Allow-Methods=PUT&Access-Control-Allow-Headers=content-type%2Cx-custom",
                    method: "PUT", headers: [("Content-Type", "application/json"), ("X-Custom", "1")], body: "{}"),
                env.scenario("simple-get", "/open/echo/simple"),
                env.scenario(
                    "put-allowed", "/open/echo/put", method: "PUT", headers: [("Content-Type", "application/json"), ("X-Custom", "1")], body: "{}"),
                env.scenario("put-other-header", "/open/echo/put-other", method: "PUT", headers: [("X-Other", "1")], body: "x"),
                env.scenario("delete-not-allowed", "/open/echo/delete", method: "DELETE"),
                env.scenario("creds-route", "/creds/echo/with-credentials", credentials: "include"),
                env.scenario("creds-route-put-json", "/creds/echo/put", method: "PUT", headers: [("Content-Type", "application/json")], body: "{}", credentials: "include"),
                env.scenario("open-route-credentials", "/open/echo/with-credentials", credentials: "include"),
                env.scenario("expose", "/open/headers?X-Exposed=yes&X-Hidden=no", read: ["x-exposed", "x-hidden", "x-request-id"]),
                env.scenario("bad-gateway", "/down/anything"),
            ]
            let fromOtherPage = [
                env.scenario("disallowed-simple-get", "/open/echo/simple"),
                env.scenario("disallowed-put", "/open/echo/put", method: "PUT", headers: [("Content-Type", "application/json")], body: "{}"),
            ]
            var agreed = 0
            for (scenarios, host, pageOrigin) in [(fromAllowedPage, "127.0.0.1", env.pageOrigin), (fromOtherPage, "localhost", env.otherOrigin)] {
                let browser = try await env.runRecordingConsole(scenarios, pageHost: host)
                for scenario in scenarios {
                    let result = try #require(browser.results[scenario.name])
                    let report = try Self.probe(scenario, origin: pageOrigin)
                    let disagreements = Self.disagreements(
                        url: scenario.url, read: scenario.readHeaders, result: result, report: report, consoleMessages: browser.corsConsoleMessages)
                    #expect(disagreements.isEmpty, "\(scenario.name): \(disagreements.joined(separator: "; "))")
                    if disagreements.isEmpty { agreed += 1 }
                }
            }
            print("probe/Chromium agreement on the gateway scenarios: \(agreed)/\(fromAllowedPage.count + fromOtherPage.count)")
        }
    }

    private func compareMatrix(cases: [AgreementCase], chromium: String, page: PageServer, server: CORSBehaviourServer) async throws {
        let pageOrigin = page.origin(host: "127.0.0.1")
        let scenarios = cases.map { item in
            FetchScenario(
                name: item.name, url: "\(server.baseURL)/case/\(item.name)", method: item.method, headers: item.headers,
                credentials: item.credentials ? "include" : "same-origin", readHeaders: item.read)
        }
        let run = UUID().uuidString
        page.serve(page: try scenarioPage(run: run, scenarios: scenarios))
        let browser = try await Chromium.run(
            executable: chromium, url: pageOrigin + "/matrix.html", extraFlags: Chromium.consoleLoggingFlags, timeout: .seconds(90)
        ) { page.finished(run: run) }
        var results: [String: ScenarioResult] = [:]
        for report in page.reports {
            if let result = ScenarioResult(report: report, run: run) { results[result.name] = result }
        }
        try #require(browser.finished, "Chromium did not finish the matrix page: \(browser.stderrTail)")
        let consoleMessages = Chromium.corsConsoleMessages(in: browser.stderrText)
        let browserRequests = server.recorded.filter { !($0.value("User-Agent") ?? "").hasPrefix("cors-gateway-probe") }

        var agreed = 0
        for (item, scenario) in zip(cases, scenarios) {
            let result = try #require(results[item.name], "Chromium reported nothing for \(item.name)")
            let report = try Self.probe(scenario, origin: pageOrigin)
            var disagreements = Self.disagreements(
                url: scenario.url, read: item.read, result: result, report: report, consoleMessages: consoleMessages)
            let browserPreflight = browserRequests.first { $0.method == "OPTIONS" && $0.path == "/case/\(item.name)" }
            if (browserPreflight != nil) != report.preflight.needed {
                disagreements.append("Chromium \(browserPreflight == nil ? "sent no" : "sent a") preflight, probe says \(report.preflight.needed ? "needed" : "not needed")")
            }
            let probeNames = report.preflight.requestHeaders.joined(separator: ",")
            if let browserPreflight, (browserPreflight.value("Access-Control-Request-Headers") ?? "") != probeNames {
                disagreements.append("Access-Control-Request-Headers: Chromium \(browserPreflight.value("Access-Control-Request-Headers") ?? "(none)"), probe \(probeNames)")
            }
            if let expected = item.hazards, Set(report.hazards.map(\.code)) != Set(expected) {
                disagreements.append("hazards \(report.hazards.map(\.code)), expected \(expected)")
            }
            #expect(disagreements.isEmpty, "case \(item.name): \(disagreements.joined(separator: "; "))")
            if disagreements.isEmpty { agreed += 1 }
        }
        let blocked = cases.filter { results[$0.name]?.isReadable == false }.count
        print("probe/Chromium agreement: \(agreed)/\(cases.count) cases agree (\(blocked) blocked by Chromium, \(cases.count - blocked) allowed)")
        #expect(agreed == cases.count)
    }

    static func probe(_ scenario: FetchScenario, origin: String) throws -> ProbeReport {
        let request = try ProbeRequest.parse(
            url: scenario.url, origin: origin, method: scenario.method, headers: scenario.headers.map { "\($0.0):\($0.1)" },
            credentials: scenario.credentials == "include", caFile: nil)
        return try ProbeRunner.run(request)
    }

    /// Where Chromium's outcome and probe's report differ (empty: they agree).
    static func disagreements(url: String, read: [String], result: ScenarioResult, report: ProbeReport, consoleMessages: [String]) -> [String] {
        var found: [String] = []
        let browserAllowed = result.isReadable
        if !browserAllowed && !result.isBlockedByCORS { found.append("Chromium failed without a CORS TypeError: \(result)") }
        if browserAllowed != report.isAllowed { found.append("Chromium \(browserAllowed ? "allowed" : "blocked"), probe \(report.verdict)") }
        let sentence = consoleMessages.first { $0.contains("'\(url)'") }
        if !browserAllowed, !self.sameSentence(sentence, report.blocked) {
            found.append("console sentence differs:\n  Chromium: \(sentence ?? "(none)")\n  probe:    \(report.blocked?.consoleMessage ?? "(none)")")
        }
        if browserAllowed, let sentence { found.append("allowed, yet Chromium printed: \(sentence)") }
        if browserAllowed {
            for name in read {
                let browserReads = result.header(name) != nil
                let probeReads = report.actual?.readableHeaders.contains(name) ?? false
                if browserReads != probeReads {
                    found.append("header \(name): Chromium \(browserReads ? "reads" : "hides") it, probe says \(probeReads ? "readable" : "hidden")")
                }
            }
        }
        return found
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
}
