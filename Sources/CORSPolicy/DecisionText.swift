// The human-readable rule behind each decision: PreflightDecision.reason, and the lines of
// `explain`. Stable wording so operators can grep logs for it.

extension CORSPolicy {
    /// `[a, b]` as the messages show configured lists.
    static func listText(_ list: [String]) -> String {
        "[" + list.joined(separator: ", ") + "]"
    }

    func originText(_ verdict: OriginVerdict, origin: String?) -> String {
        let quotedOrigin = "\"\(origin ?? "")\""
        switch verdict {
        case .allowed(.any):
            return "origin \(quotedOrigin) is allowed by allowOrigins \"*\""
        case .allowed(.null):
            return "origin \"null\" is listed in allowOrigins"
        case .allowed(.exact):
            return "origin \(quotedOrigin) is listed in allowOrigins"
        case .allowed(.pattern(let index)):
            return "origin \(quotedOrigin) matches allowOrigins entry \"\(origins.patterns[index].text)\""
        case .allowed(.regex(let index)):
            return "origin \(quotedOrigin) matches allowOriginRegex \"\(origins.regexes[index].source)\""
        case .refused(.absent):
            return "the request has no Origin header"
        case .refused(.several(let count)):
            return "the request has \(count) Origin lines; exactly one is required"
        case .refused(.notSerialized(.empty)):
            return "the Origin header is empty"
        case .refused(.notSerialized(let problem)):
            return "origin \(quotedOrigin) is not a serialized origin: it \(problem.explanation), so it matches nothing"
        case .refused(.nullNotListed):
            return "origin \"null\" is allowed only when allowOrigins lists \"null\""
        case .refused(.nullWithCredentials):
            return "origin \"null\" is never allowed with allowCredentials true"
        case .refused(.notListed):
            var text = "origin \(quotedOrigin) is not in allowOrigins \(Self.listText(config.allowOrigins))"
            if !config.allowOriginRegex.isEmpty { text += " or allowOriginRegex \(Self.listText(config.allowOriginRegex))" }
            return text + " and matches no wildcard or regex"
        }
    }

    func methodText(_ verdict: MethodVerdict) -> String {
        switch verdict {
        case .allowed(let method):
            return anyMethod ? "method \"\(method)\" is allowed by allowMethods \"*\""
                : "method \"\(method)\" is in allowMethods \(Self.listText(config.allowMethods))"
        case .absent:
            return "the request has no Access-Control-Request-Method header"
        case .several(let count):
            return "the request has \(count) Access-Control-Request-Method lines; exactly one method is required"
        case .notAToken(let method):
            return "Access-Control-Request-Method \"\(method)\" is not a single method token"
        case .notAllowed(let method):
            return "method \"\(method)\" is not in allowMethods \(Self.listText(config.allowMethods)) (methods are case-sensitive)"
        }
    }

    func headersText(_ verdict: RequestedHeadersVerdict) -> String {
        let allowed = Self.listText(config.allowHeaders)
        switch verdict {
        case .allowed(let names) where names.isEmpty:
            return "no request headers to check"
        case .allowed(let names):
            return "headers \(Self.listText(names)) are allowed by allowHeaders \(allowed)"
        case .tooLong(let bytes):
            return "Access-Control-Request-Headers is \(bytes) bytes in all; at most \(AllowedHeaderNames.maxBytes) are accepted"
        case .tooMany(let count):
            return "Access-Control-Request-Headers lists \(count) names; at most \(AllowedHeaderNames.maxNames) are accepted"
        case .notAToken(let element):
            return "\"\(element)\" in Access-Control-Request-Headers is not a header name"
        case .authorizationNotCovered:
            return "header \"authorization\" is not covered by \"*\" in allowHeaders \(allowed); it must be listed"
        case .notAllowed(let name):
            return "header \"\(name)\" is not in allowHeaders \(allowed)"
        }
    }

    var privateNetworkRefusedText: String {
        "private network access was requested (Access-Control-Request-Private-Network: true) but allowPrivateNetwork is false"
    }

    func rejectionText(_ evaluation: PreflightEvaluation) -> String {
        switch evaluation.rejection {
        case .origin?: return originText(evaluation.originVerdict, origin: evaluation.origin)
        case .method?: return evaluation.methodVerdict.map(methodText) ?? ""
        case .headers?: return evaluation.headersVerdict.map(headersText) ?? ""
        case .privateNetwork?: return privateNetworkRefusedText
        case nil: return ""
        }
    }

    /// For an allowed preflight: a constant per matching rule (built at init), so the hot path
    /// does not format text. The origin itself is in the request the caller logs.
    func allowedText(_ evaluation: PreflightEvaluation) -> String {
        guard case .allowed(let allowance) = evaluation.originVerdict else { return "allowed" }
        switch allowance {
        case .any: return AllowedReasons.any
        case .null: return AllowedReasons.null
        case .exact: return AllowedReasons.exact
        case .pattern(let index): return allowedReasons.patterns[index]
        case .regex(let index): return allowedReasons.regexes[index]
        }
    }
}

/// The reason texts of allowed preflights, one per rule that can allow an origin.
struct AllowedReasons: Sendable {
    static let any = "allowed: allowOrigins is \"*\""
    static let null = "allowed: origin \"null\" is listed in allowOrigins"
    static let exact = "allowed: origin is listed in allowOrigins"
    let patterns: [String]
    let regexes: [String]

    init(_ origins: OriginMatcher) {
        patterns = origins.patterns.map { "allowed: origin matches allowOrigins entry \"\($0.text)\"" }
        regexes = origins.regexes.map { "allowed: origin matches allowOriginRegex \"\($0.source)\"" }
    }
}
