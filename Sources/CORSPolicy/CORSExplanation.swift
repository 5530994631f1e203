/// The answer to "why does my browser say blocked by CORS policy" for one request: the route,
/// whether a browser preflights it, the verdict and the rule that decided it, and the exact
/// headers of the preflight answer and of the actual response. `render()` prints it as plain,
/// stable text (one `key: value` per line, header blocks indented by two spaces).
public struct CORSExplanation: Sendable, Equatable {
    public enum Verdict: Sendable, Equatable, CustomStringConvertible {
        case allowed
        case rejected(CORSRejection)
        /// The route has CORS off: no CORS headers at all, so a browser blocks cross-origin reads.
        case corsOff
        /// No route matches: 404 no_route (with defaults.cors headers when set).
        case noRoute

        public var description: String {
            switch self {
            case .allowed: return "ALLOWED"
            case .rejected(let reason): return "REJECTED by \(reason.rawValue)"
            case .corsOff: return "NO CORS (CORS is off for this route; a browser blocks cross-origin reads)"
            case .noRoute: return "NO ROUTE (404 no_route; a browser's preflight fails on a non-2xx status)"
            }
        }
    }

    /// One rule that was checked, in order.
    public struct Check: Sendable, Equatable {
        public var passed: Bool
        public var text: String
    }

    /// The matched route's name; nil when no route matches.
    public var routeName: String?
    /// The effective mode; nil when CORS is off (no policy).
    public var mode: CORSConfig.Mode?
    public var preflightHandling: CORSConfig.Preflight?
    public var method: String
    public var origin: String
    /// The header names as given.
    public var requestHeaderNames: [String]
    /// What a browser lists in Access-Control-Request-Headers: the non-safelisted names,
    /// lowercase, sorted, deduplicated (Fetch), without forbidden names a script cannot set.
    public var requestedHeaders: [String]
    /// Whether a browser sends a preflight before this request.
    public var preflightNeeded: Bool
    /// Why (or why not) there is a preflight.
    public var preflightWhy: String
    /// For the preflight when one is needed, else for the actual request.
    public var verdict: Verdict
    /// The rule that decided `verdict`.
    public var rule: String
    public var checks: [Check]
    /// Extra remarks (forbidden names dropped, report-only, ...).
    public var notes: [String]
    /// The preflight a browser sends (method line excluded).
    public var preflightRequest: HeaderLines
    /// How the preflight is answered, as one line (`HTTP/1.1 204 No Content`, or a sentence when
    /// the backend answers it).
    public var preflightStatusLine: String
    public var preflightResponseHeaders: HeaderLines
    /// What the actual response carries, as one line.
    public var actualSummary: String
    /// The CORS-related lines an actual response ends with (on a backend response without
    /// CORS headers or Vary of its own).
    public var actualResponseHeaders: HeaderLines

    public static func == (lhs: CORSExplanation, rhs: CORSExplanation) -> Bool {
        lhs.render() == rhs.render()
    }

    public func render() -> String {
        var out: [String] = []
        out.append("route: " + (routeName ?? "none (no route matches; the gateway answers 404 no_route)"))
        switch mode {
        case nil:
            out.append("cors: off (no CORS headers, no Vary; OPTIONS is forwarded like any request)")
        case .some(let mode):
            let source = routeName == nil ? " (defaults.cors)" : ""
            out.append("cors: \(mode.rawValue)\(source), preflight \(preflightHandling?.rawValue ?? "answer")")
        }
        let headersText = requestHeaderNames.isEmpty ? "no extra headers" : "headers [" + requestHeaderNames.joined(separator: ", ") + "]"
        out.append("request: \(method) from origin \"\(origin)\" with \(headersText)")
        out.append("preflight: " + (preflightNeeded ? "yes, " : "no, ") + preflightWhy)
        out.append("verdict: \(verdict)")
        out.append("rule: \(rule)")
        if !checks.isEmpty {
            out.append("checks:")
            for check in checks { out.append("  " + (check.passed ? "ok   " : "FAIL ") + check.text) }
        }
        for note in notes { out.append("note: \(note)") }
        out.append("preflight request:")
        out.append("  OPTIONS")
        for line in preflightRequest { out.append("  \(line.name): \(line.value)") }
        out.append("preflight response:")
        out.append("  \(preflightStatusLine)")
        for line in preflightResponseHeaders { out.append("  \(line.name): \(line.value)") }
        out.append("actual response: \(actualSummary)")
        for line in actualResponseHeaders { out.append("  \(line.name): \(line.value)") }
        return out.joined(separator: "\n") + "\n"
    }
}
