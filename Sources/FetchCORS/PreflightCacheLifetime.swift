/// Fetch #http-access-control-max-age and what browsers make of it: how long a passed preflight
/// is reused before the browser asks again.
public enum PreflightCacheLifetime {
    /// Seconds used when the header is absent or not a number (Fetch and Chromium: 5).
    public static let defaultSeconds = 5

    /// The longest lifetime each browser honours: Chromium `kMaxTimeout` (2 h), Firefox 24 h
    /// (MDN), WebKit `maxPreflightCacheTimeout` (10 min).
    public static let caps: [(browser: String, seconds: Int)] = [("Chromium", 7200), ("Firefox", 86400), ("Safari", 600)]

    /// The lifetime a browser with `cap` uses for `maxAge` (the header value as sent): absent or
    /// unparsable → 5 s, negative → 0 (no caching), above the cap → the cap.
    public static func effectiveSeconds(maxAge: String?, cap: Int) -> Int {
        guard let maxAge, let seconds = parseInteger(maxAge) else { return min(self.defaultSeconds, cap) }
        return max(0, min(seconds, cap))
    }

    /// An optionally signed decimal integer, saturating (so "99999999999999999999" is huge, not
    /// unparsable).
    static func parseInteger(_ text: String) -> Int? {
        var digits = Substring(text)
        var negative = false
        if digits.first == "-" || digits.first == "+" {
            negative = digits.first == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        var value = 0
        for byte in digits.utf8 {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int(byte - 0x30))
            if overflow1 || overflow2 { return negative ? Int.min : Int.max }
            value = sum
        }
        return negative ? -value : value
    }
}
