import FetchCORS

/// Asks the server what a browser's `fetch` asks (preflight when one is needed, then the actual
/// request with its redirects), decides as Chromium does, then asks again with an unlisted
/// origin and with `null` for the hazards.
public enum ProbeRunner {
    /// An origin nobody allow-lists (`.invalid` is reserved, RFC 2606).
    public static let unlistedOrigin = "https://unlisted-origin.invalid"
    /// Fetch #http-redirect-fetch step 5.
    static let maxRedirects = 20
    static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]

    /// A failure and the URL whose answer caused it.
    typealias Block = (block: CORSBlock, url: TargetURL)

    public static func run(_ request: ProbeRequest) throws(ProbeError) -> ProbeReport {
        let requirement = PreflightRequirement(method: request.method, headers: request.headers, rules: .chromium)
        let standardRequirement = PreflightRequirement(method: request.method, headers: request.headers, rules: .fetchStandard)
        let preflightWire = self.preflightRequest(url: request.url, origin: request.origin, requirement: requirement)
        let actualWire = WireRequest(
            method: request.method, url: request.url, headers: [HeaderField("Origin", request.origin)] + request.headers)

        var preflight = ProbeReport.PreflightPart(
            needed: requirement.isNeeded, reason: requirement.reason, requestHeaders: requirement.unsafeHeaderNames)
        var block: Block? = nil
        var disallowedHeaders: [String]? = nil
        var preflightHead: ResponseHead? = nil
        var grant: PreflightCheck.Grant? = nil
        if requirement.isNeeded {
            let head = try self.send(preflightWire, request)
            preflightHead = head
            preflight.status = head.status
            preflight.responseHeaders = head.fields
            switch PreflightCheck.check(head, origin: request.origin, credentials: request.credentials, request: requirement) {
            case .success(let passed):
                grant = passed
                preflight.cacheSeconds = Dictionary(
                    uniqueKeysWithValues: PreflightCacheLifetime.caps.map {
                        ($0.browser, PreflightCacheLifetime.effectiveSeconds(maxAge: passed.maxAge, cap: $0.seconds))
                    })
            case .failure(let failure):
                block = (CORSBlock(stage: .preflight, failure: failure), request.url)
                if case .headerNotAllowed = failure {
                    disallowedHeaders = PreflightCheck.disallowedHeaderNames(in: head, request: requirement)
                }
            }
        }

        var actual: ProbeReport.ActualPart? = nil
        var actualHead: ResponseHead? = nil
        if block == nil {
            let followed = try self.followActual(actualWire, request: request)
            actualHead = followed.head
            block = followed.block
            actual = ProbeReport.ActualPart(
                status: followed.head.status, finalURL: followed.url.description, redirects: followed.redirects.map(\.description),
                responseHeaders: followed.head.fields,
                readableHeaders: followed.block == nil ? ExposedHeaders.readableNames(of: followed.head, credentials: request.credentials) : [],
                exposedButAbsent: ExposedHeaders.listedButUnreadable(of: followed.head))
        }

        let evidence = HazardEvidence(
            origin: request.origin, credentials: request.credentials, preflight: preflightHead, actual: actualHead,
            unlistedOrigin: self.unlistedOrigin,
            unlistedOriginResponse: self.askAgain(as: self.unlistedOrigin, request, requirement: requirement),
            nullOriginResponse: request.origin == "null" ? nil : self.askAgain(as: "null", request, requirement: requirement),
            authorizationCoveredByWildcard: block == nil && (grant?.authorizationCoveredByWildcard ?? false),
            chromiumOnlySafelistedHeaders: standardRequirement.unsafeHeaderNames.filter { !requirement.unsafeHeaderNames.contains($0) })
        let standardBlocks =
            block == nil && standardRequirement.isNeeded
            && self.standardPreflightFails(request, requirement: standardRequirement, chromiumPreflight: preflightHead)

        return ProbeReport(
            verdict: block == nil ? "allowed" : "blocked", url: request.url.description, origin: request.origin, method: request.method,
            credentials: request.credentials, preflight: preflight, actual: actual,
            blocked: block.map { failed in
                ProbeReport.BlockedPart(
                    stage: failed.block.stage.rawValue, reason: failed.block.failure.code,
                    consoleMessage: failed.block.consoleMessage(url: failed.url.description, initialURL: request.url.description, origin: request.origin),
                    disallowedHeaders: disallowedHeaders)
            },
            fetchStandardVerdict: standardBlocks ? "blocked" : nil,
            hazards: Hazards.find(evidence),
            curl: ProbeReport.CurlPart(
                preflight: requirement.isNeeded ? CurlCommand.line(preflightWire, caFile: request.caFile) : nil,
                actual: CurlCommand.line(actualWire, caFile: request.caFile)))
    }

    /// The OPTIONS a browser sends before `requirement`'s request.
    static func preflightRequest(url: TargetURL, origin: String, requirement: PreflightRequirement) -> WireRequest {
        var headers = [HeaderField("Origin", origin), HeaderField("Access-Control-Request-Method", requirement.method)]
        if !requirement.unsafeHeaderNames.isEmpty {
            // Fetch joins the names with "," and no space (#cors-preflight-fetch-0 step 5).
            headers.append(HeaderField("Access-Control-Request-Headers", requirement.unsafeHeaderNames.joined(separator: ",")))
        }
        return WireRequest(method: "OPTIONS", url: url, headers: headers)
    }

    /// Whether a browser that follows the Fetch standard to the letter fails the preflight
    /// Chromium passed (Authorization under `*`), or one Chromium never sent (a client hint it
    /// safelists; then that preflight is sent now).
    static func standardPreflightFails(_ request: ProbeRequest, requirement: PreflightRequirement, chromiumPreflight: ResponseHead?) -> Bool {
        let head =
            chromiumPreflight
            ?? (try? self.send(self.preflightRequest(url: request.url, origin: request.origin, requirement: requirement), request))
        guard let head else { return false }
        let result = PreflightCheck.check(
            head, origin: request.origin, credentials: request.credentials, request: requirement, rules: .fetchStandard)
        if case .failure = result { return true }
        return false
    }

    struct Followed {
        /// The last actual response (the final one, or the redirect that failed).
        var head: ResponseHead
        var url: TargetURL
        var redirects: [TargetURL]
        var block: Block?
    }

    /// Fetch #http-fetch and #http-redirect-fetch for a CORS request: every response, redirects
    /// included, must pass the CORS check; a redirect to another origin taints the origin to
    /// `null`; a redirected request that still needs a preflight gets a new one.
    static func followActual(_ first: WireRequest, request: ProbeRequest) throws(ProbeError) -> Followed {
        var wire = first
        var origin = request.origin
        var redirects: [TargetURL] = []
        while true {
            let head = try self.send(wire, request)
            if let failure = CORSCheck.check(head, origin: origin, credentials: request.credentials) {
                return Followed(head: head, url: wire.url, redirects: redirects, block: (CORSBlock(stage: .actual, failure: failure), wire.url))
            }
            guard self.redirectStatuses.contains(head.status), let location = head.combinedValue("Location"),
                let next = wire.url.resolving(location: location), redirects.count < self.maxRedirects
            else {
                return Followed(head: head, url: wire.url, redirects: redirects, block: nil)
            }
            redirects.append(wire.url)
            if next.origin != wire.url.origin && origin != wire.url.origin { origin = "null" }
            var method = wire.method
            if (head.status == 303 && method != "HEAD") || ([301, 302].contains(head.status) && method == "POST") { method = "GET" }
            let nextRequirement = PreflightRequirement(method: method, headers: request.headers, rules: .chromium)
            if nextRequirement.isNeeded {
                let preflightHead = try self.send(self.preflightRequest(url: next, origin: origin, requirement: nextRequirement), request)
                if case .failure(let failure) = PreflightCheck.check(
                    preflightHead, origin: origin, credentials: request.credentials, request: nextRequirement)
                {
                    return Followed(head: head, url: wire.url, redirects: redirects, block: (CORSBlock(stage: .preflight, failure: failure), next))
                }
            }
            wire = WireRequest(method: method, url: next, headers: [HeaderField("Origin", origin)] + request.headers)
        }
    }

    /// The same question from another origin: the request itself when it is a GET or HEAD (safe
    /// to repeat), its preflight otherwise. nil when the server could not be asked.
    static func askAgain(as origin: String, _ request: ProbeRequest, requirement: PreflightRequirement) -> ResponseHead? {
        let wire: WireRequest
        if requirement.method == "GET" || requirement.method == "HEAD" {
            wire = WireRequest(method: requirement.method, url: request.url, headers: [HeaderField("Origin", origin)] + request.headers)
        } else {
            wire = self.preflightRequest(url: request.url, origin: origin, requirement: requirement)
        }
        return try? self.send(wire, request)
    }

    static func send(_ wire: WireRequest, _ request: ProbeRequest) throws(ProbeError) -> ResponseHead {
        try CurlClient.send(wire, caFile: request.caFile, timeoutSeconds: request.timeoutSeconds)
    }
}
