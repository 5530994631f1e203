import Foundation
import Logging
import Testing
@testable import GatewayLogging

@Suite("JSON lines")
struct JSONLineTests {
    static let strings: [(value: String, written: String)] = [
        ("plain", #""plain""#),
        (#"say "hi""#, #""say \"hi\"""#),
        (#"C:\temp"#, #""C:\\temp""#),
        ("first\nsecond", #""first\nsecond""#),
        ("cr\rtab\t", #""cr\rtab\t""#),
        ("nul\u{00}", #""nul\u0000""#),
        ("unit\u{1F}", #""unit\u001f""#),
        ("del\u{7F}", #""del\u007f""#),
        ("héllo ✓ 🚀", "\"héllo ✓ 🚀\""),   // non-ASCII passed through as UTF-8
        ("</script>", #""</script>""#),
        ("", #""""#),
    ]

    @Test("strings are escaped per RFC 8259 and parse back to themselves", arguments: strings)
    func string(value: String, written: String) throws {
        let text = json(.string(value))
        #expect(text == written)
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)
        #expect(parsed as? String == value)
    }

    /// A value whose description looks like a number but is not one.
    struct Version: CustomStringConvertible, Sendable {
        var description: String { "1.2" }
    }

    static let typed: [(value: Logger.MetadataValue, written: String)] = [
        (.stringConvertible(42), "42"),
        (.stringConvertible(Int8(-7)), "-7"),
        (.stringConvertible(Int64.min), "-9223372036854775808"),
        (.stringConvertible(UInt64.max), "18446744073709551615"),
        (.stringConvertible(UInt16(8080)), "8080"),
        (.stringConvertible(2.5), "2.5"),
        (.stringConvertible(Float(0.25)), "0.25"),
        (.stringConvertible(1e-5), "1e-05"),
        (.stringConvertible(Double.infinity), #""inf""#),
        (.stringConvertible(Double.nan), #""nan""#),
        (.stringConvertible(true), "true"),
        (.stringConvertible(false), "false"),
        (.string("42"), #""42""#),                         // a string stays a string
        (.stringConvertible(Version()), #""1.2""#),         // so does any other type
        ([.stringConvertible(1), "two", [.stringConvertible(false)]], #"[1,"two",[false]]"#),
        (["z": "last", "a": ["n": .stringConvertible(0)]], #"{"a":{"n":0},"z":"last"}"#),
        ([], "[]"),
        ([:], "{}"),
    ]

    @Test("numbers and booleans keep their type, containers nest", arguments: typed)
    func typedValue(value: Logger.MetadataValue, written: String) {
        #expect(json(value) == written)
    }

    @Test("a whole line parses back to the expected object, keys in order")
    func wholeLine() throws {
        let line = JSONLine.render(record(
            "upstream \"api\" failed\nretrying",
            level: .error,
            metadata: [
                "status": .stringConvertible(502), "retry": .stringConvertible(true), "upstream": "api:8080",
                "latency": .stringConvertible(0.125), "tags": ["a", "b"],
            ]
        ))
        #expect(!line.contains("\n"))
        #expect(line.hasPrefix(#"{"time":"2026-11-30T02:10:00.123Z","level":"error","logger":"test","msg":"#))
        #expect(line.hasSuffix(#""latency":0.125,"retry":true,"status":502,"tags":["a","b"],"upstream":"api:8080"}"#))

        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        let parsed = try #require(object as? NSDictionary)
        let expected: NSDictionary = [
            "time": "2026-11-30T02:10:00.123Z", "level": "error", "logger": "test",
            "msg": "upstream \"api\" failed\nretrying",
            "status": 502, "retry": true, "upstream": "api:8080", "latency": 0.125, "tags": ["a", "b"],
        ]
        #expect(parsed == expected)
    }
}
