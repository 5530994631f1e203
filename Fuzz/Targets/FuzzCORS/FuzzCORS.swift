// Origin parsing and matching, allowOrigins entries and Access-Control-Request-Headers
// (SPEC §4). The input's lines: the Origin value, an Access-Control-Request-Headers value,
// then the policy: "cred" turns allowCredentials on, "h:<name>" adds an allowHeaders name,
// any other line an allowOrigins entry. Properties:
// - SerializedOrigin accepts exactly what an independent reading of its grammar accepts, and
//   its parts serialise back to the same bytes;
// - an entry OriginEntryParser accepts normalises to a fixed point;
// - OriginMatcher allows an Origin exactly when an independent matcher over the same entries
//   does (never an origin the policy did not list);
// - the ACRH verdict equals an independent one (names, limits, tokens, authorization).
import FuzzSupport

@testable import CORSPolicy

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let lines = FuzzInput(data, size).lines
    let origin = lines[0]
    let requested = lines.count > 1 ? lines[1] : ""
    var entries: [String] = []
    var allowHeaders: [String] = []
    var credentials = false
    for line in lines.dropFirst(2) {
        if line == "cred" {
            credentials = true
        } else if line.hasPrefix("h:") {
            allowHeaders.append(String(line.dropFirst(2)))
        } else {
            entries.append(line)
        }
    }

    checkSerializedOrigin(origin)
    for entry in entries + [origin] { checkEntry(entry) }
    let matcher = try! OriginMatcher(allowOrigins: entries, allowOriginRegex: [], allowCredentials: credentials)
    let verdict = matcher.verdict(origin)
    let expected = ReferenceMatcher(entries: entries, credentials: credentials).allows(origin)
    property(verdict.isAllowed == expected,
             "Origin \(String(reflecting: origin)) under \(entries) (credentials \(credentials)): verdict \(verdict), expected allowed=\(expected)")

    let names = AllowedHeaderNames(allowHeaders)
    let headersVerdict = names.verdict(requestLines: [requested], collectNames: true)
    let expectedHeaders = referenceRequestedHeaders(Array(requested.utf8), allowHeaders: allowHeaders)
    property(headersVerdict == expectedHeaders,
             "ACRH \(String(reflecting: requested)) under \(allowHeaders): \(headersVerdict), expected \(expectedHeaders)")
    return 0
}

// MARK: Serialized origins

struct OriginText {
    var scheme: Substring
    var host: Substring
    var port: Substring?
}

private func isLower(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7A }
private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

/// Fetch's serialized origin with the SPEC's decisions (SerializedOrigin's header comment),
/// read with String operations rather than one byte pass.
func referenceOrigin(_ text: String) -> OriginText? {
    guard !text.isEmpty, text.utf8.count <= 512, let separator = text.firstRange(of: "://") else { return nil }
    guard text.utf8.allSatisfy({ $0 < 0x80 && !($0 >= 0x41 && $0 <= 0x5A) }) else { return nil }
    let scheme = text[..<separator.lowerBound]
    guard let first = scheme.utf8.first, isLower(first),
        scheme.utf8.allSatisfy({ isLower($0) || isDigit($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") })
    else { return nil }
    let rest = text[separator.upperBound...]
    var host: Substring
    var port: Substring?
    if rest.hasPrefix("[") {
        guard let close = rest.firstIndex(of: "]") else { return nil }
        host = rest[...close]
        let inside = host.dropFirst().dropLast()
        guard (2...45).contains(inside.utf8.count), inside.filter({ $0 == ":" }).count >= 2,
            inside.utf8.allSatisfy({ isDigit($0) || ($0 >= 0x61 && $0 <= 0x66) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
        else { return nil }
        let after = rest[rest.index(after: close)...]
        if !after.isEmpty {
            guard after.first == ":" else { return nil }
            port = after.dropFirst()
        }
    } else {
        let parts = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        host = parts[0]
        port = parts.count > 1 ? parts[1] : nil
        var name = host
        if name.hasSuffix(".") { name = name.dropLast() }
        guard !name.isEmpty, name.utf8.count <= 253 else { return nil }
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            guard (1...63).contains(label.utf8.count),
                label.utf8.allSatisfy({ isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
            else { return nil }
        }
    }
    if let port {
        guard (1...5).contains(port.utf8.count), port.utf8.allSatisfy(isDigit), port.first != "0", let number = Int(port), number <= 65535
        else { return nil }
        if (scheme == "http" && number == 80) || (scheme == "https" && number == 443) { return nil }
    }
    return OriginText(scheme: scheme, host: host, port: port)
}

private func checkSerializedOrigin(_ origin: String) {
    let parsed = SerializedOrigin.parse(origin)
    let reference = referenceOrigin(origin)
    switch parsed {
    case .success(let parts):
        property(reference != nil, "SerializedOrigin accepts \(String(reflecting: origin)), outside the grammar")
        let bytes = Array(origin.utf8)
        var rebuilt = Array(bytes[0..<parts.schemeEnd]) + Array("://".utf8) + Array(bytes[parts.hostStart..<parts.hostEnd])
        if parts.hasPort { rebuilt += [UInt8(ascii: ":")] + Array(bytes[(parts.hostEnd + 1)...]) }
        property(rebuilt == bytes, "the parts of \(String(reflecting: origin)) serialise to \(String(decoding: rebuilt, as: UTF8.self))")
        if let reference {
            property(String(decoding: bytes[parts.hostStart..<parts.hostEnd], as: UTF8.self) == reference.host,
                     "host of \(String(reflecting: origin)) read differently")
            property(parts.hasPort == (reference.port != nil), "port of \(String(reflecting: origin)) read differently")
        }
    case .failure(let problem):
        property(reference == nil, "SerializedOrigin refuses \(String(reflecting: origin)) (\(problem)), inside the grammar")
    }
}

// MARK: allowOrigins entries

private func checkEntry(_ entry: String) {
    guard case .success(let parsed) = OriginEntryParser.parse(entry) else { return }
    let again = OriginEntryParser.parse(parsed.normalized)
    guard case .success(let reparsed) = again else {
        property(false, "entry \(String(reflecting: entry)) normalised to \(String(reflecting: parsed.normalized)), which is refused: \(again)")
        return
    }
    property(reparsed.entry == parsed.entry && reparsed.normalized == parsed.normalized && !reparsed.wasLowercased
             && reparsed.removedDefaultPort == nil,
             "entry \(String(reflecting: entry)) → \(parsed) → \(reparsed): normal form is not a fixed point")
}

/// What allowOrigins allows, read from the entries' text: the matcher uses entries already in
/// normal form (OriginEntryParser's output equals them), so only those count here too.
struct ReferenceMatcher {
    let entries: [String]
    let credentials: Bool

    func allows(_ origin: String) -> Bool {
        if origin == "null" { return entries.contains("null") && !credentials }
        guard let parsed = referenceOrigin(origin) else { return false }
        if entries.contains("*") { return true }
        return entries.contains { entry in
            guard case .success(let normal) = OriginEntryParser.parse(entry), normal.normalized == entry, entry != "null" else { return false }
            return Self.entry(entry, matches: origin, parsed)
        }
    }

    static func entry(_ entry: String, matches origin: String, _ parsed: OriginText) -> Bool {
        if entry == origin { return true }
        guard let separator = entry.firstRange(of: "://") else { return false }
        guard entry[..<separator.lowerBound] == parsed.scheme else { return false }
        var host = entry[separator.upperBound...]
        enum Port { case none, any, exact(Substring) }
        var port = Port.none
        if host.hasSuffix(":*") {
            port = .any
            host = host.dropLast(2)
        } else if let colon = host.lastIndex(of: ":"), !host[colon...].contains("]") {
            port = .exact(host[host.index(after: colon)...])
            host = host[..<colon]
        }
        let hostMatches: Bool
        if host.hasPrefix("*.") {
            let domain = host.dropFirst(2)
            hostMatches = parsed.host.hasSuffix("." + domain) && parsed.host.count > domain.count + 1
        } else {
            hostMatches = parsed.host == host
        }
        guard hostMatches else { return false }
        switch port {
        case .none: return parsed.port == nil
        case .any: return true
        case .exact(let digits): return parsed.port == digits
        }
    }
}

// MARK: Access-Control-Request-Headers

private func lowercased(_ bytes: ArraySlice<UInt8>) -> String {
    String(decoding: bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
}

private let tokenSymbols = Set("!#$%&'*+-.^_`|~".utf8)

func referenceRequestedHeaders(_ value: [UInt8], allowHeaders: [String]) -> RequestedHeadersVerdict {
    if value.count > 4096 { return .tooLong(bytes: value.count) }
    let configured = Set(allowHeaders.filter { $0 != "*" }.map { lowercased(Array($0.utf8)[...]) })
    let any = allowHeaders.contains("*")
    var names: [String] = []
    var problem: RequestedHeadersVerdict?
    for element in value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
        var element = element
        while let first = element.first, first == 0x20 || first == 0x09 { element = element.dropFirst() }
        while let last = element.last, last == 0x20 || last == 0x09 { element = element.dropLast() }
        guard !element.isEmpty else { continue }
        let name = lowercased(element)
        names.append(name)
        guard problem == nil else { continue }
        let isToken = element.allSatisfy { ($0 < 0x80 && Character(Unicode.Scalar($0)).isLetter) || isDigit($0) || tokenSymbols.contains($0) }
        if !isToken {
            problem = .notAToken(String(decoding: element, as: UTF8.self))
        } else if !configured.contains(name) {
            if !any {
                problem = .notAllowed(name)
            } else if name == "authorization" {
                problem = .authorizationNotCovered
            }
        }
    }
    if names.count > 64 { return .tooMany(count: names.count) }
    return problem ?? .allowed(names: names)
}
