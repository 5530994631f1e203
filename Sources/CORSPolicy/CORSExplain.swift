// `cors-gateway explain`: what the gateway answers to a preflight and to the actual request,
// and which rule decided it.
//
// Decisions where the SPEC is silent:
// - The preflight is simulated as a browser sends it: Origin, Access-Control-Request-Method,
//   and Access-Control-Request-Headers with the non-safelisted names lowercased, sorted,
//   deduplicated, joined with "," (Fetch); `content-type` and `range` count as non-safelisted
//   (safelisted only for some values); forbidden names (cookie, sec-*, ...) are dropped with a note.
// - The verdict is the preflight's when a browser preflights the request (method not
//   GET/HEAD/POST or a non-safelisted header), else the actual request's origin verdict.
// - With no matching route, a preflight gets the 404 no_route like any request (with the
//   defaults.cors headers of an actual response when defaults.cors is set).
// - The preflight answer shows `Content-Length: 0` last, as the server adds it.

public enum CORSExplain {
    public static func explain(
        policy: CORSPolicy?, routeName: String?, method: String, origin: String, requestHeaderNames: [String]
    ) -> CORSExplanation {
        var notes: [String] = []
        var requested: [String] = []
        var unsafeReasons: [String] = []
        for name in requestHeaderNames {
            let lower = asciiLowercasedString(name)
            if FetchRules.isForbiddenRequestHeader(lower) {
                notes.append("header \(lower) is forbidden by Fetch: a script cannot set it, so it is not in the preflight")
                continue
            }
            if FetchRules.safelistedRequestHeaders.contains(lower) || requested.contains(lower) { continue }
            requested.append(lower)
        }
        requested.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        if !FetchRules.isSafelistedMethod(method) { unsafeReasons.append("method \(method) is not CORS-safelisted") }
        for name in requested { unsafeReasons.append("header \(name) is not CORS-safelisted") }
        let preflightNeeded = !unsafeReasons.isEmpty
        let preflightWhy = preflightNeeded
            ? "a browser sends one first (" + unsafeReasons.joined(separator: "; ") + ")"
            : "\(method) with only CORS-safelisted headers goes out without one (a preflight would get the answer below)"

        var preflightRequest: HeaderLines = [("Origin", origin), (CORSHeader.requestMethod, method)]
        if !requested.isEmpty { preflightRequest.append((CORSHeader.requestHeaders, requested.joined(separator: ","))) }
        let actualRequest: HeaderLines = [("Origin", origin)]

        var explanation = CORSExplanation(
            routeName: routeName, mode: policy?.config.mode == .off ? nil : policy?.config.mode,
            preflightHandling: policy?.config.preflight, method: method, origin: origin,
            requestHeaderNames: requestHeaderNames, requestedHeaders: requested,
            preflightNeeded: preflightNeeded, preflightWhy: preflightWhy, verdict: .corsOff, rule: "",
            checks: [], notes: notes, preflightRequest: preflightRequest, preflightStatusLine: "",
            preflightResponseHeaders: [], actualSummary: "", actualResponseHeaders: [])

        guard let policy, policy.config.mode != .off else {
            explanation.mode = nil
            if routeName == nil {
                explanation.verdict = .noRoute
                explanation.rule = "no route matches and defaults.cors is not set, so the 404 carries no CORS headers"
                explanation.preflightStatusLine = "HTTP/1.1 404 Not Found (no_route), no CORS headers"
                explanation.actualSummary = "404 no_route without CORS headers"
            } else {
                explanation.verdict = .corsOff
                explanation.rule = "route \"\(routeName ?? "")\" has no cors and defaults.cors is not set (or its mode is off)"
                explanation.preflightStatusLine = "forwarded to the backend like any OPTIONS request; no CORS headers are added"
                explanation.actualSummary = "the backend's response, without CORS headers or Vary added"
            }
            return explanation
        }

        let evaluation = policy.evaluatePreflight(preflightRequest, collectNames: true)
        explanation.checks = checks(policy, evaluation)
        let actualAllowed = policy.origins.verdict(origin).isAllowed
        var enforced = policy
        if policy.config.mode != .enforce {
            var config = policy.config
            config.mode = .enforce
            enforced = (try? CORSPolicy(config)) ?? policy
        }
        let actualLines = enforced.actualResponseHeaders(requestHeaders: actualRequest, responseHeaders: [])

        if routeName == nil {
            explanation.verdict = .noRoute
            explanation.rule = "no route matches; the 404 no_route carries the defaults.cors headers of an actual response"
            explanation.preflightStatusLine = "HTTP/1.1 404 Not Found (no_route), with the headers of an actual response"
            explanation.preflightResponseHeaders = actualLines
            explanation.actualSummary = "404 no_route with these headers"
            explanation.actualResponseHeaders = actualLines
            return explanation
        }

        if preflightNeeded {
            explanation.verdict = evaluation.rejection.map(CORSExplanation.Verdict.rejected) ?? .allowed
            explanation.rule = evaluation.rejection == nil ? allowedRule(policy, evaluation) : policy.rejectionText(evaluation)
        } else {
            explanation.verdict = actualAllowed ? .allowed : .rejected(.origin)
            explanation.rule = policy.originText(policy.origins.verdict(origin), origin: origin)
        }

        let decision = enforced.decision(for: evaluation)
        switch (policy.config.mode, policy.config.preflight, decision.allowed) {
        case (.reportOnly, _, _):
            explanation.notes.append("mode is report-only: nothing changes on the wire; the decision is only logged and counted with mode=\"report-only\"")
            explanation.preflightStatusLine = "forwarded to the backend unchanged (report-only); enforce would answer HTTP/1.1 \(statusText(decision.status)) with:"
            explanation.preflightResponseHeaders = decision.headers + [("Content-Length", "0")]
            explanation.actualSummary = "the backend's headers unchanged (report-only); enforce would add:"
        case (_, .forward, true):
            explanation.preflightStatusLine = "forwarded to the backend (preflight: forward); its status and body are kept, and the headers become:"
            explanation.preflightResponseHeaders = enforced.forwardedPreflightResponseHeaders(requestHeaders: preflightRequest, responseHeaders: [])
            explanation.actualSummary = actualAllowed ? "CORS headers added to the backend's:" : "origin not allowed, only:"
        default:
            explanation.preflightStatusLine = "HTTP/1.1 \(statusText(decision.status))"
            explanation.preflightResponseHeaders = decision.headers + [("Content-Length", "0")]
            explanation.actualSummary = actualAllowed ? "CORS headers added to the backend's:" : "origin not allowed, only:"
        }
        explanation.actualResponseHeaders = actualLines
        if actualLines.isEmpty { explanation.actualSummary = actualAllowed ? "no CORS headers" : "origin not allowed: no CORS headers (allowOrigins is \"*\", so no Vary)" }
        return explanation
    }

    static func statusText(_ status: Int) -> String {
        switch status {
        case 200: return "200 OK"
        case 204: return "204 No Content"
        case 403: return "403 Forbidden"
        default: return "\(status)"
        }
    }

    static func checks(_ policy: CORSPolicy, _ evaluation: CORSPolicy.PreflightEvaluation) -> [CORSExplanation.Check] {
        var checks = [CORSExplanation.Check(passed: evaluation.originVerdict.isAllowed, text: policy.originText(evaluation.originVerdict, origin: evaluation.origin))]
        if let method = evaluation.methodVerdict {
            checks.append(.init(passed: method.isAllowed, text: policy.methodText(method)))
        }
        if let headers = evaluation.headersVerdict {
            checks.append(.init(passed: headers.isAllowed, text: policy.headersText(headers)))
        }
        if evaluation.headersVerdict?.isAllowed == true, evaluation.privateNetworkAsked {
            checks.append(.init(passed: policy.config.allowPrivateNetwork,
                                text: policy.config.allowPrivateNetwork ? "private network access is allowed" : policy.privateNetworkRefusedText))
        }
        return checks
    }

    static func allowedRule(_ policy: CORSPolicy, _ evaluation: CORSPolicy.PreflightEvaluation) -> String {
        checks(policy, evaluation).map(\.text).joined(separator: "; ")
    }
}
