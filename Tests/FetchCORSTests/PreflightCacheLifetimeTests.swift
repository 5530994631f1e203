import FetchCORS
import Testing

/// Fetch #http-access-control-max-age and the browsers' caps (Chromium 7200, Firefox 86400).
struct PreflightCacheLifetimeTests {
    @Test(arguments: [
        (nil, 7200, 5), ("600", 7200, 600), ("7200", 7200, 7200), ("86400", 7200, 7200), ("86400", 86400, 86400),
        ("100000", 86400, 86400), ("0", 7200, 0), ("-1", 7200, 0), ("abc", 7200, 5), ("1.5", 7200, 5), ("", 7200, 5),
        ("99999999999999999999999", 7200, 7200), ("600", 600, 600), ("5", 600, 5),
    ] as [(String?, Int, Int)])
    func effective(maxAge: String?, cap: Int, seconds: Int) {
        #expect(PreflightCacheLifetime.effectiveSeconds(maxAge: maxAge, cap: cap) == seconds)
    }

    @Test func capsPerBrowser() {
        let caps = Dictionary(uniqueKeysWithValues: PreflightCacheLifetime.caps.map { ($0.browser, $0.seconds) })
        #expect(caps["Chromium"] == 7200)
        #expect(caps["Firefox"] == 86400)
    }
}
