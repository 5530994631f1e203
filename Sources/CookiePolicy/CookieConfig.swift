/// The effective cookie policy of a route (SPEC §6): the route's `cookies` merged field by field
/// over `defaults.cookies`, over these defaults (the platform's: HttpOnly and Secure added, Domain
/// stripped, lifetimes capped at a day). Validated by the loader before it gets here.
public struct CookieConfig: Sendable, Equatable {
    /// Which request cookies reach a ≥1.2.0 or plain backend.
    public enum Forward: Sendable, Equatable {
        /// `"*"`: every cookie.
        case all
        /// Only cookies with these names (case-sensitive), in the order the client sent them.
        case names([String])
    }

    public enum SameSite: String, Sendable, CaseIterable {
        case strict = "Strict", lax = "Lax", none = "None"
    }

    public enum DomainRule: Sendable, Equatable {
        /// Remove every Domain attribute: a host-only cookie for the gateway's host.
        case strip
        /// Keep the backend's Domain.
        case preserve
        /// `Domain=<domain>` on every cookie, replacing the backend's.
        case set(String)
    }

    public enum OverMaxAge: String, Sendable, CaseIterable {
        /// `Max-Age=<maxAge>`, Expires removed.
        case cap
        /// The response becomes 502 cookie_rejected.
        case reject
    }

    public var forward = Forward.all
    public var httpOnly = true
    public var secure = true
    /// nil leaves the backend's SameSite (but see `CookiePolicy.routeAllowsCredentials`).
    public var sameSite: SameSite? = nil
    public var partitioned = false
    public var domain = DomainRule.strip
    /// nil leaves the backend's Path.
    public var path: String? = nil
    /// Lifetime cap in seconds for Max-Age and Expires.
    public var maxAge = 86400
    public var overMaxAge = OverMaxAge.cap

    public init() {}
}

/// What the client gets for one backend `Set-Cookie` line.
public struct SetCookieRewrite: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// The line differs from the backend's (attributes added, replaced, removed or reordered).
        case rewritten(String)
        /// The line passes byte for byte.
        case unchanged(String)
        /// Malformed: the line is removed from the response (and counted).
        case dropped(reason: String)
        /// Lifetime over the cap with `overMaxAge: "reject"`: the response becomes 502 cookie_rejected.
        case rejected(reason: String)

        /// The line to send, nil when there is none.
        public var line: String? {
            switch self {
            case .rewritten(let line), .unchanged(let line): line
            case .dropped, .rejected: nil
            }
        }
    }
}
