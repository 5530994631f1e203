/// Fetch #concept-method-normalize: `fetch` upper-cases these six methods and leaves every other
/// method as written (`patch` stays `patch`).
public func normalizedMethod(_ method: String) -> String {
    let upper = asciiUppercased(method)
    return ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"].contains(upper) ? upper : method
}

/// Fetch #cors-safelisted-method (compared as sent; `normalizedMethod` ran first).
public func isSafelistedMethod(_ method: String) -> Bool {
    ["GET", "HEAD", "POST"].contains(method)
}

/// Fetch #cors-unsafe-request-header-names: the names a preflight must ask for, lowercased,
/// unique, sorted (what `Access-Control-Request-Headers` carries, joined with ","). A header is
/// unsafe on its own (not safelisted for its value), or because the safelisted values add up to
/// more than 1024 bytes, which makes every one of them unsafe.
public func corsUnsafeRequestHeaderNames(_ headers: [HeaderField], rules: BrowserRules = .chromium) -> [String] {
    var unsafe: Set<String> = []
    var safelisted: Set<String> = []
    var safelistedBytes = 0
    for header in headers {
        let lower = asciiLowercased(header.name)
        if SafelistedRequestHeader.isSafelisted(name: header.name, value: header.value, rules: rules) {
            safelisted.insert(lower)
            safelistedBytes += header.value.utf8.count
        } else {
            unsafe.insert(lower)
        }
    }
    if safelistedBytes > 1024 { unsafe.formUnion(safelisted) }
    return unsafe.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
}

/// Whether `fetch(url, {method, headers})` in CORS mode is preceded by a preflight, and why.
public struct PreflightRequirement: Sendable, Hashable {
    /// The method as `fetch` sends it.
    public var method: String
    /// What `Access-Control-Request-Headers` lists (empty: the header is not sent).
    public var unsafeHeaderNames: [String]

    public var methodIsSafelisted: Bool { isSafelistedMethod(self.method) }
    public var isNeeded: Bool { !self.methodIsSafelisted || !self.unsafeHeaderNames.isEmpty }

    public init(method: String, headers: [HeaderField], rules: BrowserRules = .chromium) {
        self.method = normalizedMethod(method)
        self.unsafeHeaderNames = corsUnsafeRequestHeaderNames(headers, rules: rules)
    }

    /// Why a preflight is needed, in a sentence; nil when it is not.
    public var reason: String? {
        var reasons: [String] = []
        if !self.methodIsSafelisted { reasons.append("method \(self.method) is not GET, HEAD or POST") }
        if !self.unsafeHeaderNames.isEmpty {
            reasons.append("request header\(self.unsafeHeaderNames.count == 1 ? "" : "s") \(self.unsafeHeaderNames.joined(separator: ", ")) \(self.unsafeHeaderNames.count == 1 ? "is" : "are") not CORS-safelisted")
        }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }
}
