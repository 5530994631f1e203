// The compiled form of allowOrigins + allowOriginRegex. Matching an Origin validates its
// grammar in one byte pass, then tries a set lookup, the wildcard patterns (byte compares,
// no allocation) and finally the regexes (whole match).

/// How an Origin was allowed; indices point into the matcher's lists (for explain).
enum OriginAllowance: Sendable, Equatable {
    case any
    case null
    case exact
    case pattern(Int)
    case regex(Int)
}

/// Why an Origin was not allowed.
enum OriginRefusal: Sendable, Equatable {
    case absent
    case several(Int)
    case notSerialized(OriginProblem)
    case nullNotListed
    case nullWithCredentials
    case notListed
}

enum OriginVerdict: Sendable, Equatable {
    case allowed(OriginAllowance)
    case refused(OriginRefusal)

    var isAllowed: Bool {
        if case .allowed = self { return true }
        return false
    }
}

/// `Regex` is not `Sendable`, but a compiled regex is immutable once it has been used once
/// (its program is lowered lazily; `CompiledOriginRegex.init` forces that before sharing).
struct CompiledOriginRegex: @unchecked Sendable {
    let source: String
    let regex: Regex<AnyRegexOutput>

    init(_ source: String) throws {
        self.source = source
        self.regex = try Regex(source)
        _ = "".wholeMatch(of: regex)
    }

    func wholeMatches(_ origin: String) -> Bool {
        (try? regex.wholeMatch(in: origin)) != nil
    }
}

struct OriginMatcher: Sendable {
    /// A pattern in byte form.
    struct BytePattern: Sendable {
        let text: String
        let scheme: [UInt8]
        let host: [UInt8]
        let subdomains: Bool
        let port: OriginPattern.Port
        let portDigits: [UInt8]
    }

    let allowsAny: Bool
    let allowsNull: Bool
    /// `null` is listed but credentials are on: never allowed (SPEC §4), reported as such.
    let nullRefusedForCredentials: Bool
    let exact: Set<String>
    let patterns: [BytePattern]
    let regexes: [CompiledOriginRegex]

    /// Throws only when a regex does not compile. Entries outside the origin grammar are kept
    /// out: they could never match a valid Origin anyway.
    init(allowOrigins: [String], allowOriginRegex: [String], allowCredentials: Bool) throws {
        var allowsAny = false
        var listsNull = false
        var exact: Set<String> = []
        var patterns: [BytePattern] = []
        for text in allowOrigins {
            if text == "*" { allowsAny = true; continue }
            if text == "null" { listsNull = true; continue }
            // Only entries already in normal form (what `check` produces) are used as they are;
            // a differently spelled entry is not silently rewritten into a wider one.
            guard case .success(let parsed) = OriginEntryParser.parse(text), parsed.normalized == text else { continue }
            switch parsed.entry {
            case .exact(let origin):
                exact.insert(origin)
            case .pattern(let pattern):
                let digits: [UInt8] = if case .exact(let number) = pattern.port { Array(String(number).utf8) } else { [] }
                patterns.append(BytePattern(
                    text: pattern.description, scheme: Array(pattern.scheme.utf8), host: Array(pattern.host.utf8),
                    subdomains: pattern.subdomains, port: pattern.port, portDigits: digits))
            case .any, .null:
                break
            }
        }
        self.allowsAny = allowsAny
        self.allowsNull = listsNull && !allowCredentials
        self.nullRefusedForCredentials = listsNull && allowCredentials
        self.exact = exact
        self.patterns = patterns
        self.regexes = try allowOriginRegex.map(CompiledOriginRegex.init)
    }

    /// The verdict for the Origin lines of a request (`values` are every Origin line's value).
    func verdict(originLines values: [String]) -> OriginVerdict {
        guard let first = values.first else { return .refused(.absent) }
        guard values.count == 1 else { return .refused(.several(values.count)) }
        return verdict(first)
    }

    func verdict(_ origin: String) -> OriginVerdict {
        if origin == "null" {
            if allowsNull { return .allowed(.null) }
            return .refused(nullRefusedForCredentials ? .nullWithCredentials : .nullNotListed)
        }
        // Every exact entry is a valid serialized origin, so a hit needs no grammar pass.
        if !allowsAny, exact.contains(origin) { return .allowed(.exact) }
        var origin = origin
        let byteVerdict: OriginVerdict? = origin.withUTF8 { bytes in
            let parts: OriginParts
            switch SerializedOrigin.parse(bytes) {
            case .failure(let problem): return .refused(.notSerialized(problem))
            case .success(let parsed): parts = parsed
            }
            if allowsAny { return .allowed(.any) }
            for (index, pattern) in patterns.enumerated() where Self.matches(pattern, bytes, parts) {
                return .allowed(.pattern(index))
            }
            return nil
        }
        if let byteVerdict { return byteVerdict }
        for (index, regex) in regexes.enumerated() where regex.wholeMatches(origin) {
            return .allowed(.regex(index))
        }
        return .refused(.notListed)
    }

    static func matches(_ pattern: BytePattern, _ bytes: UnsafeBufferPointer<UInt8>, _ parts: OriginParts) -> Bool {
        guard parts.schemeEnd == pattern.scheme.count, bytes[0..<parts.schemeEnd].elementsEqual(pattern.scheme) else { return false }
        let host = bytes[parts.hostStart..<parts.hostEnd]
        if pattern.subdomains {
            // At least one label and a dot before the domain; labels are never empty (grammar).
            guard host.count >= pattern.host.count + 2 else { return false }
            let dot = parts.hostEnd - pattern.host.count - 1
            guard bytes[dot] == UInt8(ascii: "."), bytes[(dot + 1)..<parts.hostEnd].elementsEqual(pattern.host) else { return false }
        } else {
            guard host.elementsEqual(pattern.host) else { return false }
        }
        switch pattern.port {
        case .none: return !parts.hasPort
        case .any: return true
        case .exact: return parts.hasPort && bytes[(parts.hostEnd + 1)...].elementsEqual(pattern.portDigits)
        }
    }
}
