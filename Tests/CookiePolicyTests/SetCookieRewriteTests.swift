import CookiePolicy
import Testing

/// 2023-11-14T22:13:20Z.
let now: Int64 = 1_700_000_000

func policy(credentials: Bool = false, _ configure: (inout CookieConfig) -> Void = { _ in }) -> CookiePolicy {
    var config = CookieConfig()
    configure(&config)
    return CookiePolicy(config, routeAllowsCredentials: credentials)
}

/// The line a rewrite produces, or nil when it was dropped or rejected.
func line(_ outcome: SetCookieRewrite.Outcome) -> String? {
    switch outcome {
    case .rewritten(let line), .unchanged(let line): line
    case .dropped, .rejected: nil
    }
}

@Suite("Set-Cookie rewriting (SPEC §6)")
struct SetCookieRewriteTests {
    /// Under the SPEC defaults: HttpOnly and Secure added, Domain stripped, lifetimes capped at a day.
    static let defaultPolicyCases: [(input: String, expected: String)] = [
        ("sid=abc", "sid=abc; Secure; HttpOnly"),
        ("sid=abc; secure; httponly", "sid=abc; Secure; HttpOnly"),
        ("sid=abc; HttpOnly; Secure", "sid=abc; Secure; HttpOnly"),
        ("sid=abc; HTTPONLY", "sid=abc; Secure; HttpOnly"),
        ("sid=abc; Secure=yes", "sid=abc; Secure; HttpOnly"),
        ("sid=abc; Domain=evil.example; Path=/", "sid=abc; Path=/; Secure; HttpOnly"),
        ("sid=abc; domain=.example.com; DOMAIN=x.example.com", "sid=abc; Secure; HttpOnly"),
        ("sid=abc; Max-Age=90000", "sid=abc; Max-Age=86400; Secure; HttpOnly"),
        ("sid=abc; max-age=86401; Path=/", "sid=abc; Path=/; Max-Age=86400; Secure; HttpOnly"),
        ("sid=abc; Max-Age=99999999999999999999999", "sid=abc; Max-Age=86400; Secure; HttpOnly"),
        ("sid=abc; Max-Age=86400", "sid=abc; Max-Age=86400; Secure; HttpOnly"),
        ("sid=abc; Max-Age=0", "sid=abc; Max-Age=0; Secure; HttpOnly"),
        ("sid=abc; Max-Age=-1", "sid=abc; Max-Age=-1; Secure; HttpOnly"),
        ("sid=; Max-Age=0", "sid=; Max-Age=0; Secure; HttpOnly"),
        // Past Expires deletes the cookie: left alone.
        ("sid=abc; Expires=Wed, 21 Oct 2015 07:28:00 GMT", "sid=abc; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Secure; HttpOnly"),
        ("sid=abc; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "sid=abc; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly"),
        // Far future: capped to Max-Age, Expires removed.
        ("sid=abc; Expires=Fri, 01 Jan 2100 00:00:00 GMT", "sid=abc; Max-Age=86400; Secure; HttpOnly"),
        ("sid=abc; Expires=Wed, 15 Nov 2023 22:13:21 GMT; Path=/", "sid=abc; Path=/; Max-Age=86400; Secure; HttpOnly"),
        ("sid=abc; expires=Wednesday, 15-Nov-23 22:13:21 GMT", "sid=abc; Max-Age=86400; Secure; HttpOnly"),
        ("sid=abc; Expires=Wed Nov 15 22:13:21 2023", "sid=abc; Max-Age=86400; Secure; HttpOnly"),
        // Exactly a day away: within the cap.
        ("sid=abc; Expires=Wed, 15 Nov 2023 22:13:20 GMT", "sid=abc; Expires=Wed, 15 Nov 2023 22:13:20 GMT; Secure; HttpOnly"),
        // A valid Max-Age decides over Expires.
        ("sid=abc; Expires=Fri, 01 Jan 2100 00:00:00 GMT; Max-Age=60", "sid=abc; Expires=Fri, 01 Jan 2100 00:00:00 GMT; Max-Age=60; Secure; HttpOnly"),
        ("sid=abc; Max-Age=90000; Expires=Wed, 21 Oct 2015 07:28:00 GMT", "sid=abc; Max-Age=86400; Secure; HttpOnly"),
        ("sid=abc; Max-Age=0; Expires=Fri, 01 Jan 2100 00:00:00 GMT", "sid=abc; Expires=Fri, 01 Jan 2100 00:00:00 GMT; Max-Age=0; Secure; HttpOnly"),
        // An invalid Max-Age is ignored by browsers, so Expires decides.
        ("sid=abc; Max-Age=1e9; Expires=Fri, 01 Jan 2100 00:00:00 GMT", "sid=abc; Max-Age=86400; Secure; HttpOnly"),
        ("sid=abc; Max-Age=abc", "sid=abc; Secure; HttpOnly"),
        // An unparsable Expires is removed (a session cookie, as browsers read it).
        ("sid=abc; Expires=someday", "sid=abc; Secure; HttpOnly"),
        ("sid=abc; Expires=Wed, 30 Feb 2100 00:00:00 GMT", "sid=abc; Secure; HttpOnly"),
        // Backend SameSite and Partitioned stay; unknown attributes are kept, after the known ones.
        ("sid=abc; SameSite=Lax", "sid=abc; Secure; HttpOnly; SameSite=Lax"),
        ("sid=abc; samesite=strict", "sid=abc; Secure; HttpOnly; SameSite=strict"),
        ("sid=abc; Partitioned; Secure", "sid=abc; Secure; HttpOnly; Partitioned"),
        ("sid=abc; Priority=High; Secure; HttpOnly", "sid=abc; Secure; HttpOnly; Priority=High"),
        ("sid=abc; Foo; Bar=1", "sid=abc; Secure; HttpOnly; Foo; Bar=1"),
        // Whitespace, empty attributes, repeated attributes (the last wins).
        ("  sid = abc ;Path=/x", "sid=abc; Path=/x; Secure; HttpOnly"),
        ("sid=1;; Secure;", "sid=1; Secure; HttpOnly"),
        ("sid=1;\tSecure", "sid=1; Secure; HttpOnly"),
        ("sid=1; Path=/a; Path=/b", "sid=1; Path=/b; Secure; HttpOnly"),
        // Values stay as written: "=" inside, quotes, non-ASCII.
        ("tok=a=b==", "tok=a=b==; Secure; HttpOnly"),
        (#"sid="a b""#, #"sid="a b"; Secure; HttpOnly"#),
        ("name=café", "name=café; Secure; HttpOnly"),
        // The Twilio runtime serialisation (setCookie) gets canonical spacing and order.
        ("Hello=World;HttpOnly;Secure;SameSite=Strict;Max-Age=86400", "Hello=World; Max-Age=86400; Secure; HttpOnly; SameSite=Strict"),
        ("count=;Max-Age=0", "count=; Max-Age=0; Secure; HttpOnly"),
    ]

    @Test("SPEC defaults", arguments: defaultPolicyCases)
    func defaults(input: String, expected: String) {
        let outcome = policy().rewrite(setCookie: input, now: now)
        #expect(outcome == .rewritten(expected))
    }

    static let unchangedCases = [
        "sid=abc; Secure; HttpOnly",
        "sid=abc; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax",
        "sid=abc; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Secure; HttpOnly",
        "sid=abc; Secure; HttpOnly; Partitioned; Priority=High",
    ]

    @Test("a canonical line that needs nothing is unchanged", arguments: unchangedCases)
    func unchanged(input: String) {
        let outcome = policy().rewrite(setCookie: input, now: now)
        #expect(outcome == .unchanged(input))
    }

    @Test("unchanged is decided byte for byte, not by Unicode equivalence")
    func unchangedIsBytewise() {
        // "é" precomposed vs decomposed: equal Strings, different bytes. Neither is re-encoded.
        let decomposed = "n=e\u{301}; Secure; HttpOnly"
        let outcome = policy().rewrite(setCookie: decomposed, now: now)
        #expect(outcome == .unchanged(decomposed))
        #expect(line(outcome).map { Array($0.utf8) } == Array(decomposed.utf8))
    }

    static let configuredCases: [(name: String, configure: @Sendable (inout CookieConfig) -> Void, credentials: Bool, input: String, expected: SetCookieRewrite.Outcome)] = [
        ("no flags: nothing added", { $0.httpOnly = false; $0.secure = false }, false, "sid=1", .unchanged("sid=1")),
        ("no flags: existing ones never removed", { $0.httpOnly = false; $0.secure = false }, false, "sid=1; HttpOnly; Secure", .rewritten("sid=1; Secure; HttpOnly")),
        ("httpOnly only", { $0.secure = false }, false, "sid=1", .rewritten("sid=1; HttpOnly")),
        ("secure only", { $0.httpOnly = false }, false, "sid=1", .rewritten("sid=1; Secure")),
        ("sameSite replaces", { $0.sameSite = .strict }, false, "sid=1; SameSite=None", .rewritten("sid=1; Secure; HttpOnly; SameSite=Strict")),
        ("sameSite added", { $0.sameSite = .lax }, false, "sid=1", .rewritten("sid=1; Secure; HttpOnly; SameSite=Lax")),
        ("sameSite None", { $0.sameSite = CookieConfig.SameSite.none }, false, "sid=1; samesite=lax", .rewritten("sid=1; Secure; HttpOnly; SameSite=None")),
        ("partitioned added", { $0.partitioned = true }, false, "sid=1", .rewritten("sid=1; Secure; HttpOnly; Partitioned")),
        ("partitioned once", { $0.partitioned = true }, false, "sid=1; partitioned", .rewritten("sid=1; Secure; HttpOnly; Partitioned")),
        ("domain preserve", { $0.domain = .preserve }, false, "sid=1; Domain=example.com", .rewritten("sid=1; Domain=example.com; Secure; HttpOnly")),
        ("domain preserve, none set", { $0.domain = .preserve }, false, "sid=1; Secure; HttpOnly", .unchanged("sid=1; Secure; HttpOnly")),
        ("domain set replaces", { $0.domain = .set("app.example.com") }, false, "sid=1; domain=evil.com", .rewritten("sid=1; Domain=app.example.com; Secure; HttpOnly")),
        ("domain set adds", { $0.domain = .set("app.example.com") }, false, "sid=1", .rewritten("sid=1; Domain=app.example.com; Secure; HttpOnly")),
        ("path replaces", { $0.path = "/" }, false, "sid=1; Path=/api", .rewritten("sid=1; Path=/; Secure; HttpOnly")),
        ("path adds", { $0.path = "/app" }, false, "sid=1", .rewritten("sid=1; Path=/app; Secure; HttpOnly")),
        ("path nil leaves it", { $0.path = nil }, false, "sid=1; path=/x", .rewritten("sid=1; Path=/x; Secure; HttpOnly")),
        ("cap at a custom maxAge", { $0.maxAge = 3600 }, false, "sid=1; Max-Age=3601", .rewritten("sid=1; Max-Age=3600; Secure; HttpOnly")),
        ("maxAge 0 caps to deletion", { $0.maxAge = 0 }, false, "sid=1; Max-Age=1", .rewritten("sid=1; Max-Age=0; Secure; HttpOnly")),
        ("reject: Max-Age over", { $0.maxAge = 3600; $0.overMaxAge = .reject }, false, "sid=1; Max-Age=3601",
         .rejected(reason: "cookie \"sid\": Max-Age=3601 is over the 3600-second cookie lifetime limit")),
        ("reject: Expires over", { $0.overMaxAge = .reject }, false, "sid=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT",
         .rejected(reason: "cookie \"sid\": Expires=Fri, 01 Jan 2100 00:00:00 GMT is more than 86400 seconds away")),
        ("reject: Max-Age at the limit passes", { $0.maxAge = 3600; $0.overMaxAge = .reject }, false, "sid=1; Max-Age=3600",
         .rewritten("sid=1; Max-Age=3600; Secure; HttpOnly")),
        ("reject: past Expires passes", { $0.overMaxAge = .reject }, false, "sid=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Secure; HttpOnly",
         .unchanged("sid=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Secure; HttpOnly")),
        ("reject: session cookie passes", { $0.overMaxAge = .reject }, false, "sid=1", .rewritten("sid=1; Secure; HttpOnly")),
        ("reject: deletion passes", { $0.maxAge = 60; $0.overMaxAge = .reject }, false, "sid=; Max-Age=0", .rewritten("sid=; Max-Age=0; Secure; HttpOnly")),
        // Credentials: SameSite=None for cookies without one; a backend value stays.
        ("credentials: None added", { _ in }, true, "sid=1", .rewritten("sid=1; Secure; HttpOnly; SameSite=None")),
        ("credentials: backend Lax stays", { _ in }, true, "sid=1; SameSite=Lax", .rewritten("sid=1; Secure; HttpOnly; SameSite=Lax")),
        ("credentials: backend Strict stays", { _ in }, true, "sid=1; Secure; HttpOnly; SameSite=Strict", .unchanged("sid=1; Secure; HttpOnly; SameSite=Strict")),
        ("credentials: unknown value counts as none", { _ in }, true, "sid=1; SameSite=bogus", .rewritten("sid=1; Secure; HttpOnly; SameSite=None")),
        ("credentials: configured sameSite wins", { $0.sameSite = .lax }, true, "sid=1", .rewritten("sid=1; Secure; HttpOnly; SameSite=Lax")),
        ("no credentials: nothing added", { _ in }, false, "sid=1; Secure; HttpOnly", .unchanged("sid=1; Secure; HttpOnly")),
        ("everything at once", { $0.sameSite = CookieConfig.SameSite.none; $0.partitioned = true; $0.domain = .set("example.com"); $0.path = "/"; $0.maxAge = 600 }, true,
         "SID=x; domain=a.b; path=/p; max-age=7200; samesite=lax; Priority=High",
         .rewritten("SID=x; Path=/; Domain=example.com; Max-Age=600; Secure; HttpOnly; SameSite=None; Partitioned; Priority=High")),
    ]

    @Test("each configured rule", arguments: configuredCases)
    func configured(name: String, configure: @Sendable (inout CookieConfig) -> Void, credentials: Bool, input: String, expected: SetCookieRewrite.Outcome) {
        let outcome = policy(credentials: credentials, configure).rewrite(setCookie: input, now: now)
        #expect(outcome == expected, "\(name)")
    }

    static let malformed: [(input: String, reason: String)] = [
        ("sid", "no \"=\" in the first name=value pair"),
        ("", "no \"=\" in the first name=value pair"),
        ("sid; Path=/a=b", "no \"=\" in the first name=value pair"),
        ("=abc", "empty cookie name"),
        ("  =abc; Secure", "empty cookie name"),
        ("sid=a\u{01}b", "control character in the Set-Cookie line"),
        ("sid=a\r\nSet-Cookie: x=y", "control character in the Set-Cookie line"),
        ("sid=1; Path=/\u{7F}", "control character in the Set-Cookie line"),
        ("sid=1\u{0}", "control character in the Set-Cookie line"),
        ("s\nid=1", "control character in the Set-Cookie line"),
        ("big=" + String(repeating: "x", count: 4094), "name and value longer than 4096 bytes"),
    ]

    @Test("malformed lines are dropped, never passed half-parsed", arguments: malformed)
    func dropped(input: String, reason: String) {
        let outcome = policy().rewrite(setCookie: input, now: now)
        #expect(outcome == .dropped(reason: reason))
        #expect(outcome.line == nil)
    }

    @Test("name and value of exactly 4096 bytes pass")
    func sizeLimitBoundary() {
        let input = "big=" + String(repeating: "x", count: 4093)
        let outcome = policy().rewrite(setCookie: input, now: now)
        #expect(outcome == .rewritten(input + "; Secure; HttpOnly"))
    }

    @Test("several cookies are rewritten one line each, independently")
    func severalCookies() {
        let lines = ["Foo=Bar;Max-Age=86400", "Agent=Smith;HttpOnly;Secure", "bad", "Old=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT"]
        let cookiePolicy = policy()
        let outcomes = lines.map { cookiePolicy.rewrite(setCookie: $0, now: now) }
        #expect(outcomes == [
            .rewritten("Foo=Bar; Max-Age=86400; Secure; HttpOnly"),
            .rewritten("Agent=Smith; Secure; HttpOnly"),
            .dropped(reason: "no \"=\" in the first name=value pair"),
            .rewritten("Old=1; Max-Age=86400; Secure; HttpOnly"),
        ])
        // A comma is not a cookie separator in Set-Cookie: one line stays one cookie.
        let folded = cookiePolicy.rewrite(setCookie: "a=1, b=2", now: now)
        #expect(folded == .rewritten("a=1, b=2; Secure; HttpOnly"))
    }

    @Test("the policy keeps its config")
    func keepsConfig() {
        var config = CookieConfig()
        config.maxAge = 5
        let cookiePolicy = CookiePolicy(config, routeAllowsCredentials: true)
        #expect(cookiePolicy.config == config)
        #expect(cookiePolicy.routeAllowsCredentials)
    }

    @Test("SPEC §6 defaults")
    func specDefaults() {
        let config = CookieConfig()
        #expect(config.forward == .all)
        #expect(config.httpOnly && config.secure && !config.partitioned)
        #expect(config.sameSite == nil && config.path == nil)
        #expect(config.domain == .strip)
        #expect(config.maxAge == 86400 && config.overMaxAge == .cap)
    }
}
