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
}
