// Deciding a preflight (SPEC §4) and building the answer the edge sends.
//
// Decisions where the SPEC is silent:
// - Checks run in the order origin, method, headers, private network; the first failure is
//   the reason.
// - The method must be the only Access-Control-Request-Method line and a token; it is then
//   looked up case-sensitively. The safelisted GET/HEAD/POST get no exemption: the SPEC says
//   the method must be in allowMethods.
// - Private network access is "asked for" when an Access-Control-Request-Private-Network line
//   has exactly the value `true`; any other value is not a request (as in Envoy and Chromium).
// - X-CORS-Decision (with `debug`): `allow` on an allowed preflight, `reject; reason=<reason>` on
//   a rejected one.

extension CORSPolicy {
    public struct PreflightDecision: Sendable {
        /// nil when the preflight is allowed.
        public var rejection: CORSRejection?
        /// `preflightStatus` when allowed, 403 when rejected.
        public var status: Int
        /// The exact header lines of the answer at the edge, in SPEC order: ACAO, ACAC, ACAM,
        /// ACAH, ACMA, ACAPN, Vary, then X-CORS-Decision with `debug`. Content-Length is the server's.
        public var headers: HeaderLines
        /// Human text: what decided it (for logs, `explain` and X-CORS-Decision's reader).
        public var reason: String

        public var allowed: Bool { rejection == nil }
    }

    /// Everything the checks found, for `preflight` and for explain.
    struct PreflightEvaluation {
        var origin: String?
        var originVerdict: OriginVerdict
        var methodVerdict: MethodVerdict?
        var headersVerdict: RequestedHeadersVerdict?
        var privateNetworkAsked: Bool
        var rejection: CORSRejection?
    }

    enum MethodVerdict: Equatable {
        case allowed(String)
        case absent
        case several(Int)
        case notAToken(String)
        case notAllowed(String)

        var isAllowed: Bool {
            if case .allowed = self { return true }
            return false
        }
    }

    /// Decides a preflight. Meant for requests `isPreflight` accepts; called with anything else
    /// it rejects (no Origin → origin, no method → method). The decision does not depend on
    /// `mode` or `preflight`: in report-only the caller records it and forwards the request.
    public func preflight(requestHeaders: HeaderLines) -> PreflightDecision {
        let request = PreflightRequest(requestHeaders)
        guard let key = request.cacheKey else {
            return decision(for: evaluatePreflight(request, collectNames: false))
        }
        if let cached = preflightDecisions.decision(for: key) { return cached }
        let decision = decision(for: evaluatePreflight(request, collectNames: false))
        preflightDecisions.store(decision, for: key)
        return decision
    }

    /// The preflight lines of a request, found in one pass with no allocation unless ACRH is present.
    struct PreflightRequest {
        var origin: String?
        var originCount = 0
        var method: String?
        var methodCount = 0
        var headerLines: [String] = []
        var privateNetworkAsked = false

        init(_ requestHeaders: HeaderLines) {
            for line in requestHeaders {
                // The length picks the one name a line can be, so each line costs one comparison.
                switch line.name.utf8.count {
                case 6 where nameEquals(line.name, CORSHeader.originLower):
                    originCount += 1
                    if originCount == 1 { origin = line.value }
                case 29 where nameEquals(line.name, CORSHeader.requestMethodLower):
                    methodCount += 1
                    if methodCount == 1 { method = line.value }
                case 30 where nameEquals(line.name, CORSHeader.requestHeadersLower):
                    headerLines.append(line.value)
                case 38 where nameEquals(line.name, CORSHeader.requestPrivateNetworkLower):
                    if line.value == "true" { privateNetworkAsked = true }
                default:
                    break
                }
            }
        }

        /// nil when there is more (or less) than one Origin or method line: rare, and decided
        /// without the cache.
        var cacheKey: PreflightKey? {
            guard originCount == 1, methodCount == 1, let origin, let method else { return nil }
            return PreflightKey(origin: origin, method: method, requestHeaderLines: headerLines, privateNetworkAsked: privateNetworkAsked)
        }
    }

    func evaluatePreflight(_ requestHeaders: HeaderLines, collectNames: Bool) -> PreflightEvaluation {
        evaluatePreflight(PreflightRequest(requestHeaders), collectNames: collectNames)
    }

    func evaluatePreflight(_ request: PreflightRequest, collectNames: Bool) -> PreflightEvaluation {
        let originVerdict: OriginVerdict = switch (request.origin, request.originCount) {
        case (let origin?, 1): origins.verdict(origin)
        case (_, 0): .refused(.absent)
        default: .refused(.several(request.originCount))
        }
        var evaluation = PreflightEvaluation(
            origin: request.originCount == 1 ? request.origin : nil, originVerdict: originVerdict,
            privateNetworkAsked: request.privateNetworkAsked)
        guard evaluation.originVerdict.isAllowed else {
            evaluation.rejection = .origin
            return evaluation
        }
        let methodResult = methodVerdict(request.method, count: request.methodCount)
        evaluation.methodVerdict = methodResult
        guard methodResult.isAllowed else {
            evaluation.rejection = .method
            return evaluation
        }
        let headers = headerNames.verdict(requestLines: request.headerLines, collectNames: collectNames)
        evaluation.headersVerdict = headers
        guard headers.isAllowed else {
            evaluation.rejection = .headers
            return evaluation
        }
        if request.privateNetworkAsked && !config.allowPrivateNetwork {
            evaluation.rejection = .privateNetwork
        }
        return evaluation
    }

    func methodVerdict(_ method: String?, count: Int) -> MethodVerdict {
        guard let method else { return .absent }
        guard count == 1 else { return .several(count) }
        guard isHTTPToken(method) else { return .notAToken(method) }
        return anyMethod || methods.contains(method) ? .allowed(method) : .notAllowed(method)
    }

    func decision(for evaluation: PreflightEvaluation) -> PreflightDecision {
        var headers: HeaderLines = []
        if let rejection = evaluation.rejection {
            headers.reserveCapacity(2)
            headers.append((CORSHeader.vary, preflightVary.joined))
            if config.debug { headers.append((CORSHeader.decision, "reject; reason=\(rejection.rawValue)")) }
            return PreflightDecision(rejection: rejection, status: 403, headers: headers, reason: rejectionText(evaluation))
        }
        headers.reserveCapacity(8)
        appendPreflightHeaders(&headers, origin: evaluation.origin ?? "", privateNetworkAsked: evaluation.privateNetworkAsked)
        headers.append((CORSHeader.vary, preflightVary.joined))
        if config.debug { headers.append((CORSHeader.decision, "allow")) }
        return PreflightDecision(rejection: nil, status: config.preflightStatus, headers: headers, reason: allowedText(evaluation))
    }

    /// The Access-Control-* lines of a passing preflight, in SPEC order (no Vary).
    func appendPreflightHeaders(_ headers: inout HeaderLines, origin: String, privateNetworkAsked: Bool) {
        headers.append((CORSHeader.allowOrigin, allowOriginValue(for: origin)))
        if sendsCredentials { headers.append((CORSHeader.allowCredentials, "true")) }
        if let allowMethodsValue { headers.append((CORSHeader.allowMethods, allowMethodsValue)) }
        if let allowHeadersValue { headers.append((CORSHeader.allowHeaders, allowHeadersValue)) }
        headers.append((CORSHeader.maxAge, maxAgeValue))
        if privateNetworkAsked && config.allowPrivateNetwork { headers.append((CORSHeader.allowPrivateNetwork, "true")) }
    }
}
