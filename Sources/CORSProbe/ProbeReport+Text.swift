import FetchCORS
import Foundation

extension ProbeReport {
    /// The human report: verdict first, then the console sentence, the exchange, the hazards
    /// and the two curl commands.
    public var text: String {
        var lines: [String] = []
        let what = "\(self.method) \(self.url) from origin \(self.origin)" + (self.credentials ? " with credentials" : "")
        if let blocked {
            lines.append("BLOCKED at the \(blocked.stage == "preflight" ? "preflight" : "actual response"): \(what)")
            lines.append("Chromium's console prints:")
            lines.append("  \(blocked.consoleMessage)")
            if let names = blocked.disallowedHeaders, names.count > 1 {
                lines.append("  (not allowed: \(names.joined(separator: ", ")); Chromium names one of them, in an order of its own)")
            }
        } else {
            lines.append("ALLOWED: \(what)")
            if self.fetchStandardVerdict == "blocked" {
                lines.append("  (Chromium only: by the Fetch standard it is blocked; see the hazards)")
            }
        }
        lines.append("")
        if self.preflight.needed {
            lines.append("preflight: needed (\(self.preflight.reason ?? ""))")
            if let status = self.preflight.status {
                lines.append("  OPTIONS answered \(status)")
                lines += Self.corsLines(self.preflight.responseHeaders ?? [])
            }
            if let cache = self.preflight.cacheSeconds {
                let shown = PreflightCacheLifetime.caps.compactMap { cap in cache[cap.browser].map { "\(cap.browser) \($0) s" } }
                lines.append("  browsers reuse it for: \(shown.joined(separator: ", "))")
            }
        } else {
            lines.append("preflight: not needed (method and request headers are CORS-safelisted)")
        }
        if let actual {
            lines.append("actual request: \(self.method) answered \(actual.status)" + (actual.redirects.isEmpty ? "" : " at \(actual.finalURL) after \(actual.redirects.count) redirect(s)"))
            lines += Self.corsLines(actual.responseHeaders)
            if self.blocked == nil {
                lines.append("  script can read: \(actual.readableHeaders.isEmpty ? "(no headers)" : actual.readableHeaders.joined(separator: ", "))")
            }
            if !actual.exposedButAbsent.isEmpty {
                lines.append("  exposed but not readable (absent or never exposable): \(actual.exposedButAbsent.joined(separator: ", "))")
            }
        } else {
            lines.append("actual request: not sent (a browser stops at a failed preflight)")
        }
        lines.append("")
        if self.hazards.isEmpty {
            lines.append("hazards: none found")
        } else {
            lines.append("hazards:")
            for hazard in self.hazards { lines.append("  - \(hazard.code): \(hazard.message)") }
        }
        lines.append("")
        lines.append("reproduce:")
        lines.append("  \(self.curl.preflight ?? "# no preflight: a browser sends the request directly")")
        lines.append("  \(self.curl.actual)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The response's CORS-relevant header lines, indented.
    static func corsLines(_ fields: [HeaderField]) -> [String] {
        let shown = fields.filter { field in
            let name = asciiLowercased(field.name)
            return name.hasPrefix("access-control-") || name == "vary" || name == "location"
        }
        return shown.isEmpty ? ["    (no Access-Control-* headers)"] : shown.map { "    \($0.name): \($0.value)" }
    }

    /// One JSON object (keys sorted, stable for scripts).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
