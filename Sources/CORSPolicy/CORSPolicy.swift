/// A route's CORS policy (SPEC §4), compiled once per configuration generation: origins into
/// a set, byte patterns and regexes; every constant header value joined in advance.
/// Immutable and `Sendable`: one instance serves every request of its route on every thread.
///
/// Decisions where the SPEC is silent are documented on the members and in the files of this
/// module; Docs/cors.md collects them.
public final class CORSPolicy: Sendable {
    /// The effective config this policy was compiled from.
    public let config: CORSConfig

    let origins: OriginMatcher
    let allowedReasons: AllowedReasons
    let headerNames: AllowedHeaderNames
    let anyMethod: Bool
    let methods: Set<String>
    /// allowOrigins is exactly `["*"]`: actual responses get no `Vary: Origin`.
    let originIndependent: Bool
    /// ACAC is sent: credentials allowed and the answer is never `*` (SPEC: never `*` with credentials).
    let sendsCredentials: Bool
    let enforcing: Bool

    // Header values, joined once.
    let allowMethodsValue: String?
    let allowHeadersValue: String?
    let exposeHeadersValue: String?
    let maxAgeValue: String
    let preflightVary: VaryTokens
    static let actualVary = VaryTokens(["Origin"])
    /// Decisions already made by this policy (`preflight(requestHeaders:)`).
    let preflightDecisions = PreflightDecisionCache()

    /// Compiles `config`. Throws only when an `allowOriginRegex` entry is not a valid regex
    /// (the error describes it). Entries that `check` would refuse are never widened: an origin
    /// entry outside the grammar matches nothing.
    public init(_ config: CORSConfig) throws {
        self.config = config
        self.origins = try OriginMatcher(
            allowOrigins: config.allowOrigins, allowOriginRegex: config.allowOriginRegex,
            allowCredentials: config.allowCredentials)
        self.allowedReasons = AllowedReasons(origins)
        self.headerNames = AllowedHeaderNames(config.allowHeaders)
        self.anyMethod = config.allowMethods.contains("*")
        self.methods = Set(config.allowMethods)
        self.originIndependent = config.allowOrigins == ["*"]
        self.sendsCredentials = config.allowCredentials && !origins.allowsAny
        self.enforcing = config.mode == .enforce

        let methodList = deduplicated(config.allowMethods, caseInsensitive: false)
        self.allowMethodsValue = methodList.contains("*") ? "*" : methodList.isEmpty ? nil : methodList.joined(separator: ", ")
        let headerList = deduplicated(config.allowHeaders.map { asciiLowercasedString($0) }, caseInsensitive: false)
        if headerList.contains("*") {
            self.allowHeadersValue = headerList.contains("authorization") ? "*, authorization" : "*"
        } else {
            self.allowHeadersValue = headerList.isEmpty ? nil : headerList.joined(separator: ", ")
        }
        let exposeList = deduplicated(config.exposeHeaders, caseInsensitive: true)
        self.exposeHeadersValue = exposeList.contains("*") ? "*" : exposeList.isEmpty ? nil : exposeList.joined(separator: ", ")
        self.maxAgeValue = String(config.maxAge)
        var varyTokens = ["Origin", CORSHeader.requestMethod, CORSHeader.requestHeaders]
        if config.allowPrivateNetwork { varyTokens.append(CORSHeader.requestPrivateNetwork) }
        self.preflightVary = VaryTokens(varyTokens)
    }

    /// SPEC §4: `OPTIONS` (exactly; methods are case-sensitive) with an `Origin` header (any
    /// value, even empty) and an `Access-Control-Request-Method` header (any value, even empty:
    /// an empty or malformed one makes a preflight that fails with `method`). Any other OPTIONS
    /// is an ordinary request.
    public static func isPreflight(method: String, requestHeaders: HeaderLines) -> Bool {
        guard method == "OPTIONS" else { return false }
        var origin = false
        var requestMethod = false
        for line in requestHeaders {
            if !origin, nameEquals(line.name, CORSHeader.originLower) { origin = true }
            if !requestMethod, nameEquals(line.name, CORSHeader.requestMethodLower) { requestMethod = true }
            if origin && requestMethod { return true }
        }
        return false
    }

    /// Whether `origin` (one Origin value, as received) is allowed by this policy, whatever
    /// the mode. `"null"` only when listed and without credentials; anything outside the origin
    /// grammar never.
    public func originAllowed(_ origin: String) -> Bool {
        origins.verdict(origin).isAllowed
    }

    /// The Access-Control-Allow-Origin value for an allowed origin.
    @inline(__always)
    func allowOriginValue(for origin: String) -> String {
        origins.allowsAny ? "*" : origin
    }
}

/// `list` without repeats, first occurrence kept.
func deduplicated(_ list: [String], caseInsensitive: Bool) -> [String] {
    var result: [String] = []
    for item in list where !result.contains(where: { caseInsensitive ? equalsIgnoringCase($0, item) : $0 == item }) {
        result.append(item)
    }
    return result
}
