@testable import GatewayServer
import Testing

/// The strict head parser of the preflight fast lane: what it accepts, where it stops, and
/// every shape it leaves to NIO's decoder.
@Suite("Plain request head parser")
struct PlainRequestHeadTests {
    static let preflight =
        "OPTIONS /fn/hello?x=1 HTTP/1.1\r\nHost: gw.test\r\nOrigin: https://app.example.com\r\n"
        + "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type, x-a\r\n\r\n"

    static func parse(_ text: String, maxFields: Int = 100) -> (PlainRequestHead.Outcome, [(String, String)]) {
        let bytes = Array(text.utf8)
        var fields: [PlainRequestHead.Field] = []
        let outcome = bytes.withUnsafeBytes { PlainRequestHead.parse($0, fields: &fields, maxFields: maxFields) }
        let lines = fields.map { field in
            (String(decoding: bytes[field.name.start..<field.name.end], as: UTF8.self),
             String(decoding: bytes[field.value.start..<field.value.end], as: UTF8.self))
        }
        return (outcome, lines)
    }

    @Test func readsMethodTargetFieldsAndLength() {
        let (outcome, lines) = Self.parse(Self.preflight + "GET / HTTP/1.1\r\n")
        guard case .complete(let method, let target, let length) = outcome else {
            Issue.record("expected a complete head, got \(outcome)")
            return
        }
        let bytes = Array(Self.preflight.utf8)
        #expect(String(decoding: bytes[method.start..<method.end], as: UTF8.self) == "OPTIONS")
        #expect(String(decoding: bytes[target.start..<target.end], as: UTF8.self) == "/fn/hello?x=1")
        #expect(length == bytes.count)  // the next request's bytes are not part of it
        #expect(lines.map(\.0) == ["Host", "Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"])
        #expect(lines.map(\.1) == ["gw.test", "https://app.example.com", "POST", "content-type, x-a"])
    }

    @Test func leadingWhitespaceOfAValueIsSkippedAndEmptyValuesAreKept() {
        let head = "OPTIONS / HTTP/1.1\r\nHost:\t gw\r\nX-Empty:\r\nX-Spaces:   \r\n\r\n"
        let (outcome, lines) = Self.parse(head)
        #expect(outcome == .complete(method: .init(start: 0, end: 7), target: .init(start: 8, end: 9), length: head.utf8.count))
        #expect(lines.map(\.1) == ["gw", "", ""])
    }

    @Test func everyStrictPrefixIsIncomplete() {
        let bytes = Array(Self.preflight.utf8)
        for cut in 0..<bytes.count {
            let (outcome, _) = Self.parse(String(decoding: bytes[..<cut], as: UTF8.self))
            #expect(outcome == .incomplete, "cut at \(cut)")
        }
    }

    @Test(arguments: [
        ("HTTP/1.0", "OPTIONS / HTTP/1.0\r\nHost: a\r\n\r\n"),
        ("HTTP/2", "OPTIONS / HTTP/2.0\r\nHost: a\r\n\r\n"),
        ("lowercase version", "OPTIONS / http/1.1\r\nHost: a\r\n\r\n"),
        ("asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("absolute-form", "OPTIONS http://a/ HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("two spaces", "OPTIONS  / HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("empty method", " / HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("fragment", "OPTIONS /a#b HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("quote in target", "OPTIONS /a\"b HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("backslash in target", "OPTIONS /a\\b HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("non-ASCII target", "OPTIONS /é HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("bare LF after request line", "OPTIONS / HTTP/1.1\nHost: a\r\n\r\n"),
        ("bare LF after a field", "OPTIONS / HTTP/1.1\r\nHost: a\n\r\n"),
        ("bare LF at the end", "OPTIONS / HTTP/1.1\r\nHost: a\r\n\n"),
        ("CR without LF", "OPTIONS / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"),
        ("obs-fold", "OPTIONS / HTTP/1.1\r\nHost: a\r\n  folded\r\n\r\n"),
        ("space before colon", "OPTIONS / HTTP/1.1\r\nHost : a\r\n\r\n"),
        ("no colon", "OPTIONS / HTTP/1.1\r\nHost a\r\n\r\n"),
        ("empty name", "OPTIONS / HTTP/1.1\r\n: a\r\n\r\n"),
        ("separator in name", "OPTIONS / HTTP/1.1\r\nHo(st: a\r\n\r\n"),
        ("trailing space", "OPTIONS / HTTP/1.1\r\nHost: a \r\n\r\n"),
        ("trailing tab", "OPTIONS / HTTP/1.1\r\nHost: a\t\r\n\r\n"),
        ("NUL in value", "OPTIONS / HTTP/1.1\r\nHost: a\u{0}b\r\n\r\n"),
        ("DEL in value", "OPTIONS / HTTP/1.1\r\nHost: a\u{7F}b\r\n\r\n"),
        ("obs-text in value", "OPTIONS / HTTP/1.1\r\nHost: aé\r\n\r\n"),
    ])
    func shapesLeftToTheDecoder(_ shape: String, _ head: String) {
        #expect(Self.parse(head).0 == .unsupported, "\(shape)")
    }

    @Test func moreFieldsThanTheLimitAreLeftToTheDecoder() {
        let head = "OPTIONS / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
        #expect(Self.parse(head, maxFields: 2).0 == .unsupported)
        #expect(Self.parse(head, maxFields: 3).0 != .unsupported)
    }
}
