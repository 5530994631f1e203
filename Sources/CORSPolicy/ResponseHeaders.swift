// CORS headers on responses that come back through the gateway: actual requests (the
// backend's response, or the gateway's own 413/431/502/504/404), and, with
// `preflight: forward`, the backend's answer to a passing preflight.
//
// Decisions where the SPEC is silent:
// - `preserve` with a backend that did not send Access-Control-Allow-Origin behaves exactly like
//   `override`: the backend's other Access-Control-* lines are removed before the route's are
//   applied, so a stray backend `Access-Control-Allow-Credentials: true` can never widen the
//   route's policy.
// - `preserve` with a backend that sent several ACAO lines keeps the first and drops the rest.
// - The route's lines are appended after the backend's, in the order ACAO, ACAC, ACEH (actual)
//   or ACAO, ACAC, ACAM, ACAH, ACMA, ACAPN (preflight); then Vary when the response had none;
//   then X-CORS-Decision.
// - X-CORS-Decision (with `debug`) on actual responses: `allow` when the origin is allowed,
//   `reject; reason=origin` when an Origin was sent and refused, nothing when the request had no
//   Origin (it is not a CORS request). A backend's own X-CORS-Decision is replaced.
// - In report-only and off, responses are returned unchanged (SPEC: "changes nothing on the wire").

extension CORSPolicy {
    /// The response header lines for an actual (non-preflight) request; see SPEC §4 and the
    /// notes at the top of this file. In report-only/off mode returns `responseHeaders` unchanged.
    public func actualResponseHeaders(requestHeaders: HeaderLines, responseHeaders: HeaderLines) -> HeaderLines {
        guard enforcing else { return responseHeaders }
        let (origin, originCount) = requestHeaders.singleValue(named: CORSHeader.originLower)
        let verdict: OriginVerdict = switch (origin, originCount) {
        case (let origin?, _): origins.verdict(origin)
        case (nil, 0): .refused(.absent)
        case (nil, let count): .refused(.several(count))
        }
        var lines = responseHeaders
        if config.backendHeaders == .preserve, lines.contains(where: { nameEquals($0.name, CORSHeader.allowOriginLower) }) {
            lines.keepFirstAllowOrigin()
        } else {
            lines.removeAll { nameHasPrefix($0.name, CORSHeader.accessControlPrefixLower) }
            if verdict.isAllowed, let origin {
                lines.append((CORSHeader.allowOrigin, allowOriginValue(for: origin)))
                if sendsCredentials { lines.append((CORSHeader.allowCredentials, "true")) }
                if let exposeHeadersValue { lines.append((CORSHeader.exposeHeaders, exposeHeadersValue)) }
            }
        }
        if !originIndependent { lines.mergeVary(Self.actualVary) }
        if config.debug, verdict != .refused(.absent) {
            lines.removeAll { nameEquals($0.name, CORSHeader.decisionLower) }
            lines.append((CORSHeader.decision, verdict.isAllowed ? "allow" : "reject; reason=origin"))
        }
        return lines
    }

    /// For `preflight: forward`: the backend's answer to a passing preflight gets the route's
    /// preflight headers as an actual response does (per `backendHeaders`), and the preflight
    /// Vary merged into its own. The status and body stay the backend's (the caller's business).
    /// A failing preflight must be answered at the edge with `preflight(requestHeaders:)`; given
    /// one anyway, this removes the backend's Access-Control-* lines and adds none.
    /// In report-only/off mode returns `responseHeaders` unchanged.
    public func forwardedPreflightResponseHeaders(requestHeaders: HeaderLines, responseHeaders: HeaderLines) -> HeaderLines {
        guard enforcing else { return responseHeaders }
        let evaluation = evaluatePreflight(requestHeaders, collectNames: false)
        var lines = responseHeaders
        if evaluation.rejection == nil, config.backendHeaders == .preserve,
           lines.contains(where: { nameEquals($0.name, CORSHeader.allowOriginLower) }) {
            lines.keepFirstAllowOrigin()
        } else {
            lines.removeAll { nameHasPrefix($0.name, CORSHeader.accessControlPrefixLower) }
            if evaluation.rejection == nil {
                appendPreflightHeaders(&lines, origin: evaluation.origin ?? "", privateNetworkAsked: evaluation.privateNetworkAsked)
            }
        }
        lines.mergeVary(preflightVary)
        if config.debug {
            lines.removeAll { nameEquals($0.name, CORSHeader.decisionLower) }
            lines.append((CORSHeader.decision, evaluation.rejection.map { "reject; reason=\($0.rawValue)" } ?? "allow"))
        }
        return lines
    }
}

extension Array where Element == (name: String, value: String) {
    /// Removes every Access-Control-Allow-Origin line after the first.
    mutating func keepFirstAllowOrigin() {
        var seen = false
        removeAll { line in
            guard nameEquals(line.name, CORSHeader.allowOriginLower) else { return false }
            defer { seen = true }
            return seen
        }
    }
}
