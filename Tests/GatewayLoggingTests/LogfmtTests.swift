import Logging
import Testing
@testable import GatewayLogging

@Suite("logfmt lines")
struct LogfmtTests {
    static let values: [(value: String, written: String)] = [
        ("plain", "plain"),
        ("/api/v1?x=1", #""/api/v1?x=1""#),                  // equals sign
        ("two words", #""two words""#),                      // space
        (#"say "hi""#, #""say \"hi\"""#),                    // quotes
        (#"C:\temp"#, #""C:\\temp""#),                       // backslash
        ("first\nsecond", #""first\nsecond""#),              // newline stays on one line
        ("cr\rtab\t", #""cr\rtab\t""#),
        ("", #""""#),                                        // empty
        ("héllo ✓", "\"héllo ✓\""),                          // non-ASCII: quoted, passed through
        ("bell\u{07}", #""bell\u0007""#),                    // control character
        ("esc\u{1B}[31m", #""esc\u001b[31m""#),
        ("del\u{7F}", #""del\u007f""#),
        ("a-b_c.d:e/f@g~h+i%j,k;l!", "a-b_c.d:e/f@g~h+i%j,k;l!"), // punctuation stays bare
    ]

    @Test("values are bare only when unambiguous, otherwise quoted and escaped", arguments: values)
    func value(value: String, written: String) {
        #expect(logfmt(value) == written)
    }

    static let keys: [(key: String, written: String)] = [
        ("request.id", "request.id"),
        ("has space", "has_space"),
        ("a=b", "a_b"),
        (#"q"k"#, "q_k"),
        ("", "_"),
        ("ключ", "____"),
        ("new\nline", "new_line"),
    ]

    @Test("keys cannot break the pairs after them", arguments: keys)
    func key(key: String, written: String) {
        let line = LogfmtLine.render(record(metadata: [key: "v"]))
        #expect(line.hasSuffix(" msg=hello \(written)=v"))
    }

    @Test("a whole line: fixed fields first, metadata sorted by key")
    func wholeLine() {
        let line = LogfmtLine.render(record(
            "request done",
            level: .notice,
            metadata: ["status": .stringConvertible(200), "path": "/a b", "bytes": .stringConvertible(1_024)]
        ))
        #expect(line == #"time=2026-11-30T02:10:00.123Z level=notice logger=test msg="request done" bytes=1024 path="/a b" status=200"#)
    }

    @Test("arrays and dictionaries are written as their JSON text, quoted")
    func nested() {
        let line = LogfmtLine.render(record(metadata: [
            "list": [.stringConvertible(1), "two"],
            "map": ["z": "last", "a": .stringConvertible(true)],
        ]))
        #expect(line.hasSuffix(#" list="[1,\"two\"]" map="{\"a\":true,\"z\":\"last\"}""#))
    }
}
