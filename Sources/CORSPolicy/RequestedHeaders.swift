// Checking Access-Control-Request-Headers against allowHeaders (SPEC §4).
//
// Decisions where the SPEC is silent:
// - Several ACRH lines are one list (RFC 9110 §5.3), as proxies such as AWS API Gateway split it.
// - Empty elements (`a,,b`, a trailing comma, an empty line) are ignored, as RFC 9110 §5.6.1
//   requires of recipients; they do not count as names. The 4 KiB bound caps how many there can be.
// - "More than 64 names" counts every non-empty element, repeats included; "4 KiB in all" is the
//   sum of the bytes of every ACRH value (4096 passes, 4097 fails).
// - An element that is not a token (`x y`, `x/y`) is refused as `headers`.

/// What the ACRH check found.
enum RequestedHeadersVerdict: Sendable, Equatable {
    /// Every requested name is allowed; `names` are the requested names, lowercase, in order.
    case allowed(names: [String])
    case tooLong(bytes: Int)
    case tooMany(count: Int)
    case notAToken(String)
    /// `authorization` was requested and allowHeaders has `*` but does not list it.
    case authorizationNotCovered
    case notAllowed(String)

    var isAllowed: Bool {
        if case .allowed = self { return true }
        return false
    }
}

/// allowHeaders, compiled: lowercase byte strings compared without lowercasing the request.
struct AllowedHeaderNames: Sendable {
    static let maxNames = 64
    static let maxBytes = 4096

    let any: Bool
    let authorizationListed: Bool
    let names: [[UInt8]]

    init(_ configured: [String]) {
        var names: [[UInt8]] = []
        var any = false
        for name in configured {
            if name == "*" { any = true; continue }
            let lower = Array(name.utf8.map(asciiLowercased))
            if !names.contains(lower) { names.append(lower) }
        }
        self.any = any
        self.authorizationListed = names.contains(Array("authorization".utf8))
        self.names = names
    }

    /// Whether the name at `range` of `bytes` is allowed.
    func allows(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        for allowed in names where rangeEqualsIgnoringCase(bytes, range, allowed) { return true }
        return any && !rangeEqualsIgnoringCase(bytes, range, Self.authorization)
    }

    static let authorization = Array("authorization".utf8)

    /// Checks every ACRH line. `collectNames` asks for the lowercase names (for explain); the
    /// preflight path leaves it off and allocates nothing for an allowed request.
    func verdict(requestLines values: [String], collectNames: Bool = false) -> RequestedHeadersVerdict {
        var bytes = 0
        for value in values { bytes += value.utf8.count }
        if bytes > Self.maxBytes { return .tooLong(bytes: bytes) }
        var count = 0
        var firstProblem: RequestedHeadersVerdict?
        var collected: [String] = []
        for value in values {
            forEachListElement(value) { buffer, range in
                guard !range.isEmpty else { return }
                count += 1
                if collectNames { collected.append(asciiLowercasedString(string(buffer, range))) }
                guard firstProblem == nil else { return }
                if !range.allSatisfy({ isTokenByte(buffer[$0]) }) {
                    firstProblem = .notAToken(string(buffer, range))
                } else if !allows(buffer, range) {
                    firstProblem = any && rangeEqualsIgnoringCase(buffer, range, Self.authorization)
                        ? .authorizationNotCovered : .notAllowed(asciiLowercasedString(string(buffer, range)))
                }
            }
        }
        if count > Self.maxNames { return .tooMany(count: count) }
        return firstProblem ?? .allowed(names: collected)
    }
}
