/// SPEC §13: what is wrong with a server's CORS answers even when the browser lets the request
/// through (a browser shows none of it).
public struct Hazard: Sendable, Hashable, Codable {
    /// A short stable name, for `--json` and tests.
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// The answers the hazards are judged from.
public struct HazardEvidence: Sendable {
    /// The probed origin and credentials mode.
    public var origin: String
    public var credentials: Bool
    /// The preflight's response, when one was sent.
    public var preflight: ResponseHead?
    /// The actual request's final response, when it was sent.
    public var actual: ResponseHead?
    /// The same question asked with an origin nobody lists, and its response.
    public var unlistedOrigin: String
    public var unlistedOriginResponse: ResponseHead?
    /// The same question asked with `Origin: null` (sandboxed iframes, `file:`, redirects).
    public var nullOriginResponse: ResponseHead?
    /// The preflight passed only because Chromium lets `*` cover `Authorization`.
    public var authorizationCoveredByWildcard: Bool
    /// Request headers Chromium sends without a preflight and the Fetch standard does not.
    public var chromiumOnlySafelistedHeaders: [String]

    public init(
        origin: String, credentials: Bool, preflight: ResponseHead?, actual: ResponseHead?, unlistedOrigin: String,
        unlistedOriginResponse: ResponseHead?, nullOriginResponse: ResponseHead?, authorizationCoveredByWildcard: Bool,
        chromiumOnlySafelistedHeaders: [String]
    ) {
        self.origin = origin
        self.credentials = credentials
        self.preflight = preflight
        self.actual = actual
        self.unlistedOrigin = unlistedOrigin
        self.unlistedOriginResponse = unlistedOriginResponse
        self.nullOriginResponse = nullOriginResponse
        self.authorizationCoveredByWildcard = authorizationCoveredByWildcard
        self.chromiumOnlySafelistedHeaders = chromiumOnlySafelistedHeaders
    }
}

public enum Hazards {
    public static func find(_ evidence: HazardEvidence) -> [Hazard] {
        var found: [Hazard] = []
        if let hazard = self.varyOriginMissing(evidence) { found.append(hazard) }
        if let response = evidence.unlistedOriginResponse,
            response.combinedValue("Access-Control-Allow-Origin") == evidence.unlistedOrigin
        {
            let credentialed = response.combinedValue("Access-Control-Allow-Credentials") == "true"
            found.append(
                Hazard(
                    code: "reflects-any-origin",
                    message: "the server echoes any Origin: asked with the made-up origin \(evidence.unlistedOrigin), it answered "
                        + "Access-Control-Allow-Origin: \(evidence.unlistedOrigin)"
                        + (credentialed ? " with Access-Control-Allow-Credentials: true, so every web site can read credentialed responses" : "")
                        + "; allow a list of origins instead"))
        }
        let nullAllowed = evidence.nullOriginResponse?.combinedValue("Access-Control-Allow-Origin") == "null"
            || (evidence.origin == "null" && [evidence.preflight, evidence.actual].contains { $0?.combinedValue("Access-Control-Allow-Origin") == "null" })
        if nullAllowed {
            found.append(
                Hazard(
                    code: "null-origin-allowed",
                    message: "the server allows the origin null (Access-Control-Allow-Origin: null): sandboxed iframes, data: and file: "
                        + "documents of any site send it, so this is close to allowing every origin"))
        }
        if let hazard = self.maxAgeAboveCaps(evidence.preflight) { found.append(hazard) }
        if evidence.authorizationCoveredByWildcard {
            found.append(
                Hazard(
                    code: "authorization-covered-by-wildcard",
                    message: "Access-Control-Allow-Headers: * lets Authorization through only in Chromium; the Fetch standard "
                        + "(#cors-non-wildcard-request-header-name) and browsers that follow it block this request: list authorization explicitly"))
        }
        if !evidence.chromiumOnlySafelistedHeaders.isEmpty {
            let names = evidence.chromiumOnlySafelistedHeaders.joined(separator: ", ")
            found.append(
                Hazard(
                    code: "chromium-only-safelisted-header",
                    message: "Chromium sends \(names) without asking (a client hint it safelists); the Fetch standard and other "
                        + "browsers preflight it, so the server must allow it in Access-Control-Allow-Headers for them"))
        }
        return found
    }

    /// An `Access-Control-Allow-Origin` that depends on the request's Origin must come with
    /// `Vary: Origin`, or a shared cache hands one origin's answer to another (#cors-protocol-and-http-caches).
    static func varyOriginMissing(_ evidence: HazardEvidence) -> Hazard? {
        guard let actual = evidence.actual, let allowOrigin = actual.combinedValue("Access-Control-Allow-Origin"),
            allowOrigin != "*"
        else { return nil }
        // A constant single origin (the same for an unlisted origin) does not vary.
        if let other = evidence.unlistedOriginResponse, other.combinedValue("Access-Control-Allow-Origin") == allowOrigin,
            allowOrigin != evidence.unlistedOrigin
        {
            return nil
        }
        let vary = listElements(actual.combinedValue("Vary") ?? "").map(asciiLowercased)
        guard !vary.contains("origin"), !vary.contains("*") else { return nil }
        return Hazard(
            code: "vary-origin-missing",
            message: "Access-Control-Allow-Origin: \(allowOrigin) depends on the request's Origin but the response has no Vary: Origin: "
                + "a shared cache (CDN, proxy) can serve it to another origin, which the browser then blocks, or let it "
                + "read a response meant for \(allowOrigin)")
    }

    /// Browsers cap `Access-Control-Max-Age`; a larger value does not cache longer.
    static func maxAgeAboveCaps(_ preflight: ResponseHead?) -> Hazard? {
        guard let value = preflight?.combinedValue("Access-Control-Max-Age"),
            let seconds = PreflightCacheLifetime.parseInteger(value)
        else { return nil }
        let capping = PreflightCacheLifetime.caps.filter { seconds > $0.seconds && $0.seconds >= 7200 }
        guard !capping.isEmpty else { return nil }
        let described = capping.map { "\($0.browser) \($0.seconds)" }.joined(separator: ", ")
        return Hazard(
            code: "max-age-above-browser-cap",
            message: "Access-Control-Max-Age: \(value) is more than browsers honour (\(described) seconds; Safari 600): "
                + "the preflight is repeated sooner than the server expects")
    }
}
