/// The cookie policy of one route (SPEC §6): rewrites each backend `Set-Cookie` line and filters
/// the request `Cookie` header toward the backend. Pure and immutable; safe to share.
public final class CookiePolicy: Sendable {
    public let config: CookieConfig
    /// The route's effective CORS allows credentials: with `sameSite` nil, cookies without a
    /// (recognised) SameSite get `SameSite=None`, since a cross-site credentialed call could not
    /// use them otherwise.
    public let routeAllowsCredentials: Bool

    private let forwardNames: [[UInt8]]?

    public init(_ config: CookieConfig, routeAllowsCredentials: Bool) {
        self.config = config
        self.routeAllowsCredentials = routeAllowsCredentials
        switch config.forward {
        case .all: forwardNames = nil
        case .names(let names): forwardNames = names.map { Array($0.utf8) }
        }
    }

    // MARK: Set-Cookie

    /// One backend Set-Cookie line value → what the client gets. `now` is seconds since 1970,
    /// for judging Expires.
    public func rewrite(setCookie value: String, now: Int64) -> SetCookieRewrite.Outcome {
        var cookie: SetCookieLine
        switch SetCookieLine.parse(value) {
        case .failure(let problem): return .dropped(reason: problem.reason)
        case .success(let parsed): cookie = parsed
        }

        // Lifetime. A valid Max-Age decides over Expires (RFC 6265 §5.3 step 3); Max-Age <= 0
        // and a past Expires delete the cookie and are left alone.
        var over: String?
        if let maxAge = cookie.maxAge {
            if maxAge.seconds > Int64(config.maxAge) {
                over = "Max-Age=\(maxAge.text) is over the \(config.maxAge)-second cookie lifetime limit"
            }
        } else if let expires = cookie.expires {
            if let date = CookieDate.parse(expires) {
                if date > now, date - now > Int64(config.maxAge) {
                    over = "Expires=\(expires) is more than \(config.maxAge) seconds away"
                }
            } else {
                // Browsers ignore an Expires they cannot parse (a session cookie); removing it
                // makes sure no more lenient client reads a longer lifetime into it.
                cookie.expires = nil
            }
        }
        if let over {
            switch config.overMaxAge {
            case .reject:
                return .rejected(reason: "cookie \(ConfigText.quoted(cookie.name)): \(over)")
            case .cap:
                cookie.maxAge = (Int64(config.maxAge), String(config.maxAge))
                cookie.expires = nil
            }
        }

        if config.httpOnly { cookie.httpOnly = true }
        if config.secure { cookie.secure = true }
        if let sameSite = config.sameSite {
            cookie.sameSite = sameSite.rawValue
        } else if routeAllowsCredentials, cookie.recognizedSameSite == nil {
            cookie.sameSite = CookieConfig.SameSite.none.rawValue
        }
        if config.partitioned { cookie.partitioned = true }
        switch config.domain {
        case .strip: cookie.domain = nil
        case .preserve: break
        case .set(let domain): cookie.domain = domain
        }
        if let path = config.path { cookie.path = path }

        let line = cookie.serialized()
        // Byte comparison: String == would equate canonically equivalent Unicode.
        return line.utf8.elementsEqual(value.utf8) ? .unchanged(line) : .rewritten(line)
    }

    // MARK: Cookie

    /// The request Cookie header values (possibly several lines) filtered by `forward`, in the
    /// client's order, as one value joined with "; "; nil when no cookie is left. Empty pieces
    /// (`a=1;;b=2`, a trailing ";") are dropped; a piece without "=" passes only with "*".
    /// Under a name list, a listed cookie whose value another parser could split passes only
    /// with "*" too (see `isUnambiguous`).
    public func filterRequestCookies(_ cookieHeaderValues: [String]) -> String? {
        var output: [UInt8] = []
        for value in cookieHeaderValues {
            let bytes = Array(value.utf8)
            var start = 0
            while start <= bytes.count {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
                let piece = trimmed(bytes[start..<end])
                if !piece.isEmpty, keeps(piece) {
                    if !output.isEmpty { output.append(contentsOf: "; ".utf8) }
                    output.append(contentsOf: piece)
                }
                start = end + 1
            }
        }
        return output.isEmpty ? nil : String(decoding: output, as: UTF8.self)
    }

    private func keeps(_ pair: ArraySlice<UInt8>) -> Bool {
        guard let forwardNames else { return true }
        guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { return false }
        let name = trimmed(pair[..<equals])
        return forwardNames.contains { $0.elementsEqual(name) } && Self.isUnambiguous(value: trimmed(pair[(equals + 1)...]))
    }

    /// Whether every cookie parser reads this value as one cookie's. RFC 6265 separates pairs
    /// with ";" only, but RFC 2109 and 2965 also allowed "," (parsers built on them still split
    /// there), and Python's `SimpleCookie` ends a value at whitespace: `session=x, admin=1`
    /// would carry `admin` past `forward: ["session"]`. So a value with a comma, or with a
    /// space or tab outside one double-quoted string, is not forwarded under a name list; nor
    /// is it cut short, since a backend must never get a value the client did not send.
    private static func isUnambiguous(value: ArraySlice<UInt8>) -> Bool {
        let quote = UInt8(ascii: "\"")
        if value.contains(UInt8(ascii: ",")) { return false }
        if value.count >= 2, value.first == quote, value.last == quote {
            return !value.dropFirst().dropLast().contains(quote)
        }
        return !value.contains { $0 == 0x20 || $0 == 0x09 }
    }
}

/// Optional whitespace (SP, HTAB) removed at both ends.
func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    var slice = bytes
    while let first = slice.first, first == 0x20 || first == 0x09 { slice.removeFirst() }
    while let last = slice.last, last == 0x20 || last == 0x09 { slice.removeLast() }
    return slice
}

enum ConfigText {
    static func quoted(_ text: String) -> String { "\"\(text)\"" }
}
