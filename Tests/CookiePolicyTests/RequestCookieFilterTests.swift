import CookiePolicy
import Testing

@Suite("Request Cookie filter (SPEC §6 forward)")
struct RequestCookieFilterTests {
    static let cases: [(forward: CookieConfig.Forward, lines: [String], expected: String?)] = [
        (.all, ["a=1; b=2"], "a=1; b=2"),
        (.all, ["a=1", "b=2; c=3"], "a=1; b=2; c=3"),
        (.all, ["a=1;; b=2;", " c=3 "], "a=1; b=2; c=3"),
        (.all, ["junk; a=1"], "junk; a=1"),
        (.all, [], nil),
        (.all, ["", " ; "], nil),
        (.names(["a", "c"]), ["a=1; b=2; c=3"], "a=1; c=3"),
        (.names(["a", "c"]), ["c=3; b=2", "a=1"], "c=3; a=1"),
        (.names(["a", "c"]), ["b=2", "c=3;a=1", "x=9"], "c=3; a=1"),
        (.names(["a"]), ["A=1; a=2"], "a=2"),
        (.names(["a"]), ["a=1; a=2"], "a=1; a=2"),
        (.names(["a"]), ["a=x=y"], "a=x=y"),
        (.names(["a"]), ["a =1"], "a =1"),
        (.names(["a"]), ["b=1", "c=2"], nil),
        (.names(["a"]), ["a; ab=1"], nil),
        (.names(["a"]), [], nil),
        (.names([]), ["a=1"], nil),
        (.names(["sid"]), ["theme=dark;\tsid=\"q r\"; lang=en"], "sid=\"q r\""),
        // A value another parser could split is not forwarded under a name list (SPEC §6
        // `forward` must not be evaded behind a comma or a space), nor cut short.
        (.names(["session"]), ["session=x, admin=1"], nil),
        (.names(["session"]), ["session=x,admin=1"], nil),
        (.names(["session"]), ["session=x admin=1"], nil),
        (.names(["session"]), ["session=x\tadmin=1"], nil),
        (.names(["session"]), ["session=\"x\" admin=1"], nil),
        (.names(["session"]), ["session=\"x, admin=1\""], nil),
        (.names(["session"]), ["session=\"a\"b\""], nil),
        (.names(["session", "theme"]), ["session=x, admin=1; theme=dark"], "theme=dark"),
        (.names(["session"]), ["admin=1, session=x"], nil),
        (.names(["session"]), ["session=x ; admin=1"], "session=x"),
        (.names(["session"]), ["session=\"\""], "session=\"\""),
        (.names(["session"]), ["session="], "session="),
        // With "*" every cookie reaches the backend anyway: the header passes as sent.
        (.all, ["session=x, admin=1"], "session=x, admin=1"),
    ]

    @Test("filters by name, keeps order across lines, joins with \"; \"", arguments: cases)
    func filter(forward: CookieConfig.Forward, lines: [String], expected: String?) {
        var config = CookieConfig()
        config.forward = forward
        let filtered = CookiePolicy(config, routeAllowsCredentials: false).filterRequestCookies(lines)
        #expect(filtered == expected)
    }
}
