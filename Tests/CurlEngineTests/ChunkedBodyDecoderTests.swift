import NIOCore
import Testing

@testable import CurlEngine

/// The engine's chunk decoder: the body it yields and the moment the body is complete, for
/// the input whole and split at every byte.
@Suite("ChunkedBodyDecoder")
struct ChunkedBodyDecoderTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var wire: String
        var body: String
        var outcome: ChunkedBodyDecoder.Outcome
        var testDescription: String { self.name }
    }

    static let cases: [Case] = [
        Case(name: "two chunks and the last", wire: "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", body: "hello world", outcome: .complete),
        Case(name: "hex sizes either case", wire: "A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", body: "0123456789abcdefghij", outcome: .complete),
        Case(name: "chunk extensions are skipped", wire: "3;name=value\r\nabc\r\n0;last\r\n\r\n", body: "abc", outcome: .complete),
        Case(name: "trailer lines end with an empty line", wire: "2\r\nok\r\n0\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n", body: "ok", outcome: .complete),
        Case(name: "bare LF line ends, as curl takes them", wire: "2\nok\n0\n\n", body: "ok", outcome: .complete),
        Case(name: "bytes after the end are not body", wire: "1\r\nx\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n", body: "x", outcome: .complete),
        Case(name: "data containing CRLF", wire: "4\r\n\r\n\r\n\r\n0\r\n\r\n", body: "\r\n\r\n", outcome: .complete),
        Case(name: "unfinished: last chunk without its final line", wire: "2\r\nok\r\n0\r\n", body: "ok", outcome: .needMore),
        Case(name: "unfinished: inside a chunk", wire: "5\r\nhel", body: "hel", outcome: .needMore),
        Case(name: "no size digits", wire: "\r\nabc", body: "", outcome: .malformed),
        Case(name: "a size that is not hex", wire: "zz\r\n", body: "", outcome: .malformed),
        Case(name: "data longer than its size", wire: "2\r\nabc\r\n", body: "ab", outcome: .malformed),
        Case(name: "an absurd size", wire: "1000000000000000\r\n", body: "", outcome: .malformed),
    ]

    @Test(arguments: cases)
    func wholeInput(_ testCase: Case) {
        var decoder = ChunkedBodyDecoder()
        var body = ByteBuffer()
        let outcome = Array(testCase.wire.utf8).withUnsafeBytes { decoder.decode($0, into: &body) }
        #expect(outcome == testCase.outcome)
        #expect(String(buffer: body) == testCase.body)
    }

    /// curl hands bodies over in pieces of any size: every split gives the same body and end.
    @Test(arguments: cases.filter { $0.outcome != .malformed })
    func everySplit(_ testCase: Case) {
        let wire = Array(testCase.wire.utf8)
        for split in 0...wire.count {
            var decoder = ChunkedBodyDecoder()
            var body = ByteBuffer()
            var outcome = wire[..<split].withUnsafeBytes { decoder.decode($0, into: &body) }
            #expect(outcome != .malformed)
            outcome = wire[split...].withUnsafeBytes { decoder.decode($0, into: &body) }
            #expect(outcome == testCase.outcome, "split at \(split)")
            #expect(String(buffer: body) == testCase.body, "split at \(split)")
        }
    }
}
