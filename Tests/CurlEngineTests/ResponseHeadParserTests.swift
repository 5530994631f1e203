import Testing

@testable import CurlEngine

@Suite("ResponseHeadParser: curl header lines to a response head")
struct ResponseHeadParserTests {
    private func feed(_ lines: [String], limit: Int = 16_384) -> [ResponseHeadParser.Outcome] {
        var parser = ResponseHeadParser(maxHeaderBytes: limit)
        return lines.map { line in
            Array(line.utf8).withUnsafeBytes { parser.feed($0) }
        }
    }

    @Test func completesOnTheBlankLineKeepingOrderAndRepeats() {
        let outcomes = feed([
            "HTTP/1.1 201 Created\r\n", "Set-Cookie: a=1\r\n", "X-Y:  spaced value \t\r\n",
            "Set-Cookie: b=2\r\n", "\r\n",
        ])
        let expected = UpstreamResponseHead(
            status: 201, reason: "Created",
            headers: [("Set-Cookie", "a=1"), ("X-Y", "spaced value"), ("Set-Cookie", "b=2")]
        )
        #expect(outcomes.last == .complete(expected))
        #expect(outcomes.dropLast().allSatisfy { $0 == .needMore })
    }

    @Test func skipsInterimResponses() {
        let outcomes = feed([
            "HTTP/1.1 100 Continue\r\n", "\r\n", "HTTP/1.1 103 Early Hints\r\n", "Link: </a>\r\n", "\r\n",
            "HTTP/1.1 200 OK\r\n", "Content-Length: 0\r\n", "\r\n",
        ])
        #expect(outcomes.last == .complete(.init(status: 200, reason: "OK", headers: [("Content-Length", "0")])))
        #expect(outcomes.dropLast().allSatisfy { $0 == .needMore })
    }

    @Test(arguments: [
        ("HTTP/2 204\r\n", 204, ""),
        ("HTTP/1.0 404 Not Found\r\n", 404, "Not Found"),
        ("HTTP/1.1 599 Custom Reason Phrase\r\n", 599, "Custom Reason Phrase"),
    ])
    func statusLines(line: String, status: Int, reason: String) {
        #expect(feed([line, "\r\n"]).last == .complete(.init(status: status, reason: reason, headers: [])))
    }

    @Test(arguments: [
        "NOT HTTP\r\n", "HTTP/1.1 20 OK\r\n", "HTTP/1.1 abc\r\n", "ICY 200 OK\r\n", "HTTP/1.1 2000 OK\r\n",
        "HTTP/1.1 099 Low\r\n", "HTTP/1.1  200 OK\r\n", "HTTP/1.1\r\n", "HTTP/1.1 20x OK\r\n",
    ])
    func invalidStatusLinesAreMalformed(line: String) {
        guard case .malformed = feed([line]).last else {
            Issue.record("\(line) was accepted")
            return
        }
    }

    @Test func headerLineWithoutColonIsMalformed() {
        guard case .malformed = feed(["HTTP/1.1 200 OK\r\n", "garbage\r\n"]).last else {
            Issue.record("accepted a header without a name")
            return
        }
    }

    @Test func oversizedHeadIsRejected() {
        let outcomes = feed(["HTTP/1.1 200 OK\r\n", "X-Big: " + String(repeating: "a", count: 100) + "\r\n"], limit: 64)
        #expect(outcomes.last == .tooLarge)
    }

    @Test func trailersAfterTheHeadAreIgnored() {
        let outcomes = feed(["HTTP/1.1 200 OK\r\n", "\r\n", "X-Trailer: 1\r\n", "\r\n"])
        #expect(outcomes[2] == .needMore)
        #expect(outcomes[3] == .needMore)
    }

    // MARK: RFC 9112 framing and RFC 9110 syntax (SPEC §11)

    private func head(_ lines: [String]) -> UpstreamResponseHead? {
        guard case .complete(let head) = feed(lines).last else { return nil }
        return head
    }

    private func isMalformed(_ lines: [String]) -> Bool {
        feed(lines).contains { if case .malformed = $0 { true } else { false } }
    }

    @Test func transferEncodingRemovesEveryContentLength() {
        let parsed = head([
            "HTTP/1.1 200 OK\r\n", "Content-Length: 5\r\n", "Transfer-Encoding: chunked\r\n", "content-length: 7\r\n", "\r\n",
        ])
        #expect(parsed?.headers.map(\.name) == ["Transfer-Encoding"])
    }

    @Test func equalContentLengthsCollapseIntoOne() {
        let parsed = head(["HTTP/1.1 200 OK\r\n", "Content-Length: 5\r\n", "X-A: 1\r\n", "CONTENT-LENGTH: 5\r\n", "\r\n"])
        #expect(parsed?.headers.count == 2)
        #expect(parsed?.headers.first { $0.name.lowercased() == "content-length" }?.value == "5")
    }

    @Test(arguments: [
        ["Content-Length: 5\r\n", "Content-Length: 6\r\n"],
        ["Content-Length: 5, 6\r\n"],
        ["Content-Length: 5, 5\r\n"],
        ["Content-Length: -1\r\n"],
        ["Content-Length: 0x10\r\n"],
        ["Content-Length:\r\n"],
    ])
    func invalidOrConflictingContentLengthIsMalformed(lines: [String]) {
        #expect(isMalformed(["HTTP/1.1 200 OK\r\n"] + lines + ["\r\n"]))
    }

    @Test(arguments: [
        "X-A: a\rb\r\n", "X-A: a\u{0}b\r\n", "X-A: a\u{1}\r\n", "X-A: a\u{7F}\r\n", "X-A: a\r\r\n",
        "Set-Cookie : a=1\r\n", ": nameless\r\n", "X A: 1\r\n", "X(A): 1\r\n", "X-Ä: 1\r\n",
    ])
    func controlBytesInValuesAndNonTokenNamesAreMalformed(line: String) {
        #expect(isMalformed(["HTTP/1.1 200 OK\r\n", line, "\r\n"]))
    }

    @Test func horizontalTabInsideAValueIsKept() {
        #expect(head(["HTTP/1.1 200 OK\r\n", "X-A: a\tb\r\n", "\r\n"])?.headers.first?.value == "a\tb")
    }

    @Test func obsTextPassesByteForByteAsLatin1CodePoints() {
        var parser = ResponseHeadParser(maxHeaderBytes: 1024)
        let raw: [UInt8] = Array("X-Bin: ".utf8) + [0x63, 0xE9, 0xFF, 0x80, 0xC3, 0xA9] + [13, 10]
        var outcomes: [ResponseHeadParser.Outcome] = []
        for line in [Array("HTTP/1.1 200 OK\r\n".utf8), raw, [13, 10]] {
            outcomes.append(line.withUnsafeBytes { parser.feed($0) })
        }
        guard case .complete(let head) = outcomes.last else {
            Issue.record("not complete: \(outcomes)")
            return
        }
        let bytes = head.headers[0].value.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
        #expect(bytes == [0x63, 0xE9, 0xFF, 0x80, 0xC3, 0xA9])
        #expect(head.headers[0].value.unicodeScalars.allSatisfy { $0.value <= 0xFF })
    }

    @Test(arguments: ["HTTP/1.1 101 Switching Protocols\r\n", "HTTP/1.1 102 Processing\r\n", "HTTP/1.1 199 Odd\r\n"])
    func interimCodesOtherThan100And103AreMalformed(line: String) {
        #expect(feed([line]).last == .malformed("unexpected 1xx"))
    }

    @Test func announcedBodyLengthFollowsTheFraming() {
        func length(_ lines: [String]) -> Int? {
            var parser = ResponseHeadParser(maxHeaderBytes: 1024)
            for line in lines { _ = Array(line.utf8).withUnsafeBytes { parser.feed($0) } }
            return parser.announcedBodyLength
        }
        #expect(length(["HTTP/1.1 200 OK\r\n", "Content-Length: 12\r\n", "\r\n"]) == 12)
        #expect(length(["HTTP/1.1 200 OK\r\n", "Transfer-Encoding: chunked\r\n", "Content-Length: 12\r\n", "\r\n"]) == nil)
        #expect(length(["HTTP/1.1 200 OK\r\n", "\r\n"]) == nil)
        #expect(length(["HTTP/1.1 204 No Content\r\n", "\r\n"]) == 0)
        #expect(length(["HTTP/1.1 304 Not Modified\r\n", "Content-Length: 99\r\n", "\r\n"]) == 0)
    }

    // Found by the smuggling differential (Docs/security.md).

    /// A coding besides chunked reached the client as plain content (the gateway decodes none),
    /// and after `chunked, identity` the body ran to the close, a forged response and all.
    /// Before the fix each was relayed as a 200.
    @Test(arguments: [
        ["Transfer-Encoding: gzip\r\n"], ["Transfer-Encoding: chunked, identity\r\n"],
        ["Transfer-Encoding: identity\r\n", "Content-Length: 5\r\n"], ["Transfer-Encoding: xchunked\r\n", "Content-Length: 5\r\n"],
        ["Transfer-Encoding: chunked\r\n", "Transfer-Encoding: chunked\r\n"], ["Transfer-Encoding: gzip, chunked\r\n"],
        ["Transfer-Encoding:\r\n"],
    ])
    func transferCodingsOtherThanChunkedAloneAreMalformed(lines: [String]) {
        #expect(feed(["HTTP/1.1 200 OK\r\n"] + lines + ["\r\n"]).last == .malformed("transfer coding other than chunked"))
    }

    /// HTTP/1.0 has no transfer codings (RFC 9112 §6.1). Before the fix the chunks were decoded.
    @Test func chunkedOnAnHTTP10ResponseIsMalformed() {
        #expect(feed(["HTTP/1.0 200 OK\r\n", "Transfer-Encoding: chunked\r\n", "\r\n"]).last == .malformed("transfer coding other than chunked"))
    }

    @Test(arguments: ["Transfer-Encoding: Chunked\r\n", "Transfer-Encoding: chunked,\r\n", "Transfer-Encoding: , chunked \r\n"])
    func chunkedAloneInAnySpellingFramesTheBody(line: String) {
        var parser = ResponseHeadParser(maxHeaderBytes: 1024)
        for text in ["HTTP/1.1 200 OK\r\n", line, "\r\n"] { _ = Array(text.utf8).withUnsafeBytes { parser.feed($0) } }
        #expect(parser.bodyIsChunked)
    }

    /// RFC 9110 §15: codes above 599 are invalid. Before the fix `999` was relayed.
    @Test(arguments: ["HTTP/1.1 600 Odd\r\n", "HTTP/1.1 999 Odd\r\n"])
    func statusCodesAbove599AreMalformed(line: String) {
        #expect(feed([line]).last == .malformed("invalid status line"))
    }
}
