import FetchCORS
import Testing

/// Fetch #cors-safelisted-request-header, value rule by value rule.
struct SafelistedRequestHeaderTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var value: String
        var safelisted: Bool
        var testDescription: String { "\(self.name): \(self.value.prefix(40)) → \(self.safelisted)" }
    }

    static let rows: [Row] = [
        // Accept: any value without a CORS-unsafe request-header byte.
        Row(name: "Accept", value: "application/json, text/*;q=0.5", safelisted: true),
        Row(name: "accept", value: "*/*", safelisted: true),
        Row(name: "Accept", value: "text/html\u{7F}", safelisted: false),
        Row(name: "Accept", value: "a\"b", safelisted: false),
        Row(name: "Accept", value: "a{b}", safelisted: false),
        Row(name: "Accept", value: "tab\there", safelisted: true),
        Row(name: "Accept", value: String(repeating: "a", count: 128), safelisted: true),
        Row(name: "Accept", value: String(repeating: "a", count: 129), safelisted: false),
        // Accept-Language / Content-Language: 0-9 A-Z a-z space * , - . ; = only.
        Row(name: "Accept-Language", value: "en-US,en;q=0.9", safelisted: true),
        Row(name: "Content-Language", value: "de-DE, *", safelisted: true),
        Row(name: "Accept-Language", value: "en(us)", safelisted: false),
        Row(name: "Content-Language", value: "en_US", safelisted: false),
        Row(name: "Accept-Language", value: "fr/ca", safelisted: false),
        // Content-Type: three essences, parameters ignored, parsed strictly.
        Row(name: "Content-Type", value: "application/x-www-form-urlencoded", safelisted: true),
        Row(name: "Content-Type", value: "multipart/form-data; boundary=x", safelisted: true),
        Row(name: "Content-Type", value: "text/plain;charset=utf-8", safelisted: true),
        Row(name: "Content-Type", value: "TEXT/Plain", safelisted: true),
        Row(name: "Content-Type", value: " text/plain ", safelisted: true),
        Row(name: "Content-Type", value: "application/json", safelisted: false),
        Row(name: "Content-Type", value: "text/plain; charset=\"utf-8\"", safelisted: false),  // `"` is an unsafe byte
        Row(name: "Content-Type", value: "text/plain:x", safelisted: false),
        Row(name: "Content-Type", value: "text", safelisted: false),
        Row(name: "Content-Type", value: "text/", safelisted: false),
        Row(name: "Content-Type", value: "text/plain" + String(repeating: " ", count: 120), safelisted: false),
        // Range: bytes=N- or bytes=N-M with N <= M, one range.
        Row(name: "Range", value: "bytes=0-", safelisted: true),
        Row(name: "Range", value: "bytes=0-499", safelisted: true),
        Row(name: "Range", value: "bytes=500-500", safelisted: true),
        Row(name: "Range", value: "bytes=500-499", safelisted: false),
        Row(name: "Range", value: "bytes=-500", safelisted: false),
        Row(name: "Range", value: "bytes=0-1,5-9", safelisted: false),
        Row(name: "Range", value: "bytes= 0-1", safelisted: false),
        Row(name: "Range", value: "items=0-1", safelisted: false),
        Row(name: "Range", value: "bytes=9223372036854775807-", safelisted: true),
        Row(name: "Range", value: "bytes=99999999999999999999-", safelisted: false),  // Chromium: not a 64-bit number
        // Never safelisted.
        Row(name: "Authorization", value: "Bearer t", safelisted: false),
        Row(name: "X-Requested-With", value: "XMLHttpRequest", safelisted: false),
        // Chromium's client hints (not in the standard).
        Row(name: "DPR", value: "2", safelisted: true),
        Row(name: "DPR", value: "2.5", safelisted: true),
        Row(name: "DPR", value: "2.", safelisted: false),
        Row(name: "Width", value: "1.5", safelisted: false),
        Row(name: "Viewport-Width", value: "1024", safelisted: true),
        Row(name: "ECT", value: "4g", safelisted: true),
        Row(name: "ECT", value: "5g", safelisted: false),
        Row(name: "Save-Data", value: "on", safelisted: true),
        Row(name: "Save-Data", value: "off", safelisted: false),
    ]

    @Test(arguments: rows)
    func chromiumRules(_ row: Row) {
        #expect(SafelistedRequestHeader.isSafelisted(name: row.name, value: row.value, rules: .chromium) == row.safelisted)
    }

    @Test func clientHintsAreUnsafeByTheStandard() {
        for (name, value) in [("DPR", "2"), ("Viewport-Width", "1024"), ("Save-Data", "on"), ("Intervention", "x")] {
            #expect(!SafelistedRequestHeader.isSafelisted(name: name, value: value, rules: .fetchStandard), "\(name)")
            #expect(SafelistedRequestHeader.isSafelisted(name: name, value: value, rules: .chromium), "\(name)")
        }
    }

    @Test func mimeTypeEssence() {
        #expect(SafelistedRequestHeader.mimeTypeEssence("Text/HTML ; charset=x") == "text/html")
        #expect(SafelistedRequestHeader.mimeTypeEssence("text /html") == nil)
        #expect(SafelistedRequestHeader.mimeTypeEssence("/html") == nil)
    }
}
