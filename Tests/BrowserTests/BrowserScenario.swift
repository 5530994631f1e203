import Foundation

/// One `fetch` the page makes against the gateway, and what to read from its response.
struct FetchScenario: Sendable {
    var name: String
    /// Absolute URL, usually `gateway.baseURL + path`.
    var url: String
    var method: String = "GET"
    /// Request headers, in order, as `fetch` gets them.
    var headers: [(String, String)] = []
    var body: String? = nil
    /// `fetch`'s `credentials` mode: "omit", "same-origin" (fetch's default) or "include".
    var credentials: String = "same-origin"
    /// Response headers read through `response.headers.get(name)`; CORS decides which are visible.
    var readHeaders: [String] = []

    var jsonObject: [String: Any] {
        [
            "name": self.name,
            "url": self.url,
            "method": self.method,
            "headers": self.headers.map { [$0.0, $0.1] },
            "body": self.body.map { $0 as Any } ?? NSNull(),
            "credentials": self.credentials,
            "read": self.readHeaders,
        ]
    }
}

/// What the browser let the page see of one scenario.
struct ScenarioResult: CustomStringConvertible {
    enum Outcome: String {
        /// `fetch` resolved: the response was readable.
        case resolved
        /// `fetch` rejected; a CORS block is a `TypeError`.
        case rejected
    }

    var name: String
    var outcome: Outcome
    var status: Int?
    var body: String?
    /// `headers.get(name)` per requested name; nil when the browser hid it (or it was absent).
    var headers: [String: String?]
    /// `name: message` of the rejection.
    var error: String?
    /// The resource timing entry's `nextHopProtocol` for a readable response ("h2",
    /// "http/1.1"); "" for a cross-origin response whose `Timing-Allow-Origin` does not admit
    /// the page (the browser hides it), nil when the browser recorded no entry.
    var nextHopProtocol: String?

    var isReadable: Bool { self.outcome == .resolved }
    /// Rejected with the TypeError a CORS failure produces (not a page-side timeout).
    var isBlockedByCORS: Bool { self.outcome == .rejected && (self.error ?? "").hasPrefix("TypeError") }

    func header(_ name: String) -> String? { self.headers[name.lowercased()] ?? nil }

    var description: String {
        var text = "\(self.name): \(self.outcome.rawValue)"
        if let status { text += " status=\(status)" }
        if let nextHopProtocol { text += " protocol=\(nextHopProtocol)" }
        if let error { text += " error=\(error)" }
        if !self.headers.isEmpty {
            let shown = self.headers.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value ?? "null")" }
            text += " headers{\(shown.joined(separator: ", "))}"
        }
        if let body { text += " body=\(body.prefix(300))" }
        return text
    }

    /// Decodes one `/result` report (percent-encoded JSON) belonging to `run`; nil otherwise.
    init?(report: String, run: String) {
        guard let json = report.removingPercentEncoding,
            let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            object["run"] as? String == run,
            let name = object["name"] as? String,
            let outcome = (object["outcome"] as? String).flatMap(Outcome.init(rawValue:))
        else { return nil }
        self.name = name
        self.outcome = outcome
        self.status = object["status"] as? Int
        self.body = object["body"] as? String
        self.error = object["error"] as? String
        self.nextHopProtocol = object["protocol"] as? String
        var headers: [String: String?] = [:]
        for (key, value) in (object["headers"] as? [String: Any]) ?? [:] {
            headers[key.lowercased()] = value as? String
        }
        self.headers = headers
    }
}

/// The HTML page that runs `scenarios` one after another and reports each outcome (and
/// uncaught page errors) to the page server it was loaded from.
func scenarioPage(run: String, scenarios: [FetchScenario]) throws -> String {
    let data = try JSONSerialization.data(withJSONObject: scenarios.map(\.jsonObject), options: [.sortedKeys])
    // JSON inside <script>: only "</" could end the element early.
    let list = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "</", with: "<\\/")
    return """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>running</title></head>
        <body><pre id="results"></pre>
        <script>
        const RUN = \(jsonString(run));
        const SCENARIOS = \(list);
        const out = document.getElementById("results");
        async function report(path, text) {
          out.textContent += text + "\\n";
          try { await fetch(path + "?" + encodeURIComponent(text), { cache: "no-store" }); } catch (e) {}
        }
        // The protocol the browser used for the newest resource timing entry of `url` after the
        // `before` it had: entries are queued once the body is read, so wait a little for it.
        async function nextHopProtocol(url, before) {
          for (let i = 0; i < 50; i++) {
            const entries = performance.getEntriesByName(url, "resource");
            if (entries.length > before) return entries[entries.length - 1].nextHopProtocol;
            await new Promise((done) => setTimeout(done, 20));
          }
          return null;
        }
        window.addEventListener("error", (e) => {
          report("/result", JSON.stringify({ run: RUN, name: "__page_error__", outcome: "rejected", error: String(e.message) }));
        });
        (async () => {
          for (const s of SCENARIOS) {
            const r = { run: RUN, name: s.name };
            try {
              const init = { method: s.method, headers: s.headers, credentials: s.credentials,
                             signal: AbortSignal.timeout(8000) };
              if (s.body !== null) init.body = s.body;
              const before = performance.getEntriesByName(s.url, "resource").length;
              const response = await fetch(s.url, init);
              r.outcome = "resolved";
              r.status = response.status;
              r.headers = {};
              for (const name of s.read) r.headers[name] = response.headers.get(name);
              r.body = (await response.text()).slice(0, 2000);
              r.protocol = await nextHopProtocol(s.url, before);
            } catch (e) {
              r.outcome = "rejected";
              r.error = String(e && e.name) + ": " + String(e && e.message);
            }
            await report("/result", JSON.stringify(r));
          }
          await report("/done", RUN);
          document.title = "done";
        })();
        </script>
        </body></html>
        """
}

private func jsonString(_ text: String) -> String {
    let data = try! JSONSerialization.data(withJSONObject: [text])
    let array = String(decoding: data, as: UTF8.self)
    return String(array.dropFirst().dropLast())
}
