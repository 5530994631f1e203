// Set-Cookie parsing and rewriting, and the request Cookie filter (SPEC §6). The first input
// byte picks the route's cookie policy; the rest is a backend's Set-Cookie value (and, read as
// a Cookie header, a client's). Properties:
// - a parsed line serialises to a line that parses back to the same cookie;
// - a rewritten line parses back to the same cookie: name, value and every attribute the
//   policy did not change, and the ones it did change as the policy says; it holds no control
//   byte, and `unchanged` means byte for byte;
// - under a `forward` name list, only listed cookies reach the backend, each piece as the
//   client sent it, never with a comma or unquoted whitespace in its value.
import FuzzSupport

@testable import CookiePolicy

private let now: Int64 = 1_780_000_000

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let selector = data[0]
    let line = FuzzInput(data + 1, size - 1).text
    let (config, credentials) = policy(selector)

    if case .success(let cookie) = SetCookieLine.parse(line) {
        let serialized = cookie.serialized()
        guard case .success(let again) = SetCookieLine.parse(serialized) else {
            property(false, "\(String(reflecting: line)) serialised to \(String(reflecting: serialized)), which does not parse")
            return 0
        }
        property(same(cookie, again), "\(String(reflecting: line)) → \(String(reflecting: serialized)) parses to another cookie")
    }

    let outcome = CookiePolicy(config, routeAllowsCredentials: credentials).rewrite(setCookie: line, now: now)
    switch outcome {
    case .dropped:
        property(!isParseable(line), "\(String(reflecting: line)) dropped though it parses")
    case .rejected:
        property(config.overMaxAge == .reject, "\(String(reflecting: line)) rejected under overMaxAge cap")
        if case .success(let cookie) = SetCookieLine.parse(line) {
            property(isOverCap(cookie, config), "\(String(reflecting: line)) rejected within the cap")
        }
    case .unchanged(let written), .rewritten(let written):
        if case .unchanged = outcome { property(written.utf8.elementsEqual(line.utf8), "unchanged but different: \(String(reflecting: written))") }
        if config.overMaxAge == .reject, case .success(let cookie) = SetCookieLine.parse(line) {
            property(!isOverCap(cookie, config), "\(String(reflecting: line)) over the cap passed under reject")
        }
        checkRewrite(line, written, config, credentials)
    }

    checkForwardFilter(line)
    return 0
}

private func policy(_ selector: UInt8) -> (CookieConfig, Bool) {
    var config = CookieConfig()
    config.httpOnly = selector & 1 != 0
    config.secure = selector & 2 != 0
    config.sameSite = [nil, .strict, .lax, CookieConfig.SameSite.none][Int(selector >> 2) & 3]
    config.partitioned = selector & 16 != 0
    config.domain = [.strip, .preserve, .set("example.com"), .preserve][Int(selector >> 5) & 3]
    config.path = selector & 128 != 0 ? "/app" : nil
    config.maxAge = selector % 3 == 0 ? 3600 : 86400
    config.overMaxAge = selector % 5 == 0 ? .reject : .cap
    return (config, selector % 7 < 3)
}

private func isParseable(_ line: String) -> Bool {
    if case .success = SetCookieLine.parse(line) { return true }
    return false
}

private func same(_ a: SetCookieLine, _ b: SetCookieLine) -> Bool {
    a.name == b.name && a.value == b.value && a.path == b.path && a.domain == b.domain && a.expires == b.expires
        && a.maxAge?.seconds == b.maxAge?.seconds && a.maxAge?.text == b.maxAge?.text && a.secure == b.secure
        && a.httpOnly == b.httpOnly && a.sameSite == b.sameSite && a.partitioned == b.partitioned && a.others == b.others
}

private func checkRewrite(_ line: String, _ written: String, _ config: CookieConfig, _ credentials: Bool) {
    property(!written.utf8.contains { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }, "rewritten line with a control byte: \(String(reflecting: written))")
    guard case .success(let original) = SetCookieLine.parse(line) else {
        property(false, "\(String(reflecting: line)) does not parse but was kept as \(String(reflecting: written))")
        return
    }
    guard case .success(let result) = SetCookieLine.parse(written) else {
        property(false, "\(String(reflecting: line)) rewritten to \(String(reflecting: written)), which does not parse")
        return
    }
    let context = "\(String(reflecting: line)) → \(String(reflecting: written)) under \(config), credentials \(credentials)"
    property(result.name == original.name && result.value == original.value, "name or value changed: \(context)")
    property(result.others == original.others, "unknown attributes changed: \(context)")
    property(result.path == (config.path ?? original.path), "Path: \(context)")
    switch config.domain {
    case .strip: property(result.domain == nil, "Domain kept under strip: \(context)")
    case .preserve: property(result.domain == original.domain, "Domain changed under preserve: \(context)")
    case .set(let domain): property(result.domain == domain, "Domain not set: \(context)")
    }
    property(result.secure == (original.secure || config.secure), "Secure: \(context)")
    property(result.httpOnly == (original.httpOnly || config.httpOnly), "HttpOnly: \(context)")
    property(result.partitioned == (original.partitioned || config.partitioned), "Partitioned: \(context)")
    if let sameSite = config.sameSite {
        property(result.sameSite == sameSite.rawValue, "SameSite not set: \(context)")
    } else if credentials && original.recognizedSameSite == nil {
        property(result.sameSite == "None", "SameSite=None not added for a credentialed route: \(context)")
    } else {
        property(result.sameSite == original.sameSite, "SameSite changed: \(context)")
    }
    // Lifetime (SPEC §6): a valid Max-Age decides over Expires; one over the cap becomes the
    // cap (Expires removed); an Expires that does not parse is removed.
    var maxAge = original.maxAge?.text
    var expires = original.expires
    if original.maxAge == nil, let text = original.expires, CookieDate.parse(text) == nil { expires = nil }
    if isOverCap(original, config) {
        maxAge = String(config.maxAge)
        expires = nil
    }
    property(result.maxAge?.text == maxAge && result.expires == expires, "lifetime: \(context)")
}

private func isOverCap(_ cookie: SetCookieLine, _ config: CookieConfig) -> Bool {
    if let maxAge = cookie.maxAge { return maxAge.seconds > Int64(config.maxAge) }
    guard let expires = cookie.expires, let date = CookieDate.parse(expires) else { return false }
    return date > now && date - now > Int64(config.maxAge)
}

private func checkForwardFilter(_ header: String) {
    var config = CookieConfig()
    config.forward = .names(["session", "id"])
    let sent = pieces(header, at: ";")
    guard let forwarded = CookiePolicy(config, routeAllowsCredentials: false).filterRequestCookies([header]) else { return }
    for piece in pieces(forwarded, at: ";") {
        property(sent.contains(piece), "forwarded \(String(reflecting: piece)) that the client did not send in \(String(reflecting: header))")
        let equals = piece.firstIndex(of: UInt8(ascii: "="))
        let name = equals.map { trimmed(piece[..<$0]) } ?? []
        property(name.elementsEqual("session".utf8) || name.elementsEqual("id".utf8),
                 "forwarded \(String(decoding: piece, as: UTF8.self)) outside the name list from \(String(reflecting: header))")
        let value = equals.map { trimmed(piece[($0 + 1)...]) } ?? []
        let quote = UInt8(ascii: "\"")
        let quoted = value.count >= 2 && value.first == quote && value.last == quote && !value.dropFirst().dropLast().contains(quote)
        property(!value.contains(UInt8(ascii: ",")) && (quoted || !value.contains { $0 == 0x20 || $0 == 0x09 }),
                 "forwarded an ambiguous value \(String(decoding: value, as: UTF8.self)) from \(String(reflecting: header))")
    }
}

/// The text's bytes split at `separator`, each piece trimmed of spaces and tabs.
private func pieces(_ text: String, at separator: Unicode.Scalar) -> [ArraySlice<UInt8>] {
    Array(text.utf8).split(separator: UInt8(separator.value), omittingEmptySubsequences: false).map { trimmed($0) }
}
