import CookiePolicy
import Testing

@Suite("Cookie dates (RFC 6265 §5.1.1)")
struct CookieDateTests {
    static let valid: [(text: String, seconds: Int64)] = [
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777),        // IMF-fixdate
        ("Sunday, 06-Nov-94 08:49:37 GMT", 784_111_777),       // RFC 850
        ("Sun Nov  6 08:49:37 1994", 784_111_777),             // asctime
        ("sun, 6 nov 1994 8:49:37 gmt", 784_111_777),
        ("06 November 1994 08:49:37", 784_111_777),
        ("Sun, 06-Nov-1994 08:49:37 UTC", 784_111_777),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 1_445_412_480),
        ("Tue, 29 Feb 2000 00:00:00 GMT", 951_782_400),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
        ("Fri, 01 Jan 2100 00:00:00 GMT", 4_102_444_800),
        ("Tue, 01 Jan 69 00:00:00 GMT", 3_124_224_000),         // 00–69 → 20xx
        ("Mon, 01 Jan 1601 00:00:00 GMT", -11_644_473_600),
    ]

    @Test("parses", arguments: valid)
    func parses(text: String, seconds: Int64) {
        #expect(CookieDate.parse(text) == seconds)
    }

    static let invalid = [
        "", "someday", "Wed, 21 Oct 2015 GMT", "21 Oct 2015 07:28", "Wed, 30 Feb 2015 07:28:00 GMT",
        "Wed, 21 Oct 2015 24:00:00 GMT", "Wed, 21 Oct 2015 07:60:00 GMT", "Wed, 21 Oct 2015 07:28:60 GMT",
        "Wed, 32 Oct 2015 07:28:00 GMT", "Wed, 00 Oct 2015 07:28:00 GMT", "Sat, 01 Jan 1600 00:00:00 GMT",
        "Wed, 21 Foo 2015 07:28:00 GMT", "1445412480",
    ]

    @Test("refuses", arguments: invalid)
    func refuses(text: String) {
        #expect(CookieDate.parse(text) == nil)
    }
}
