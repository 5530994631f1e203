import CCurl
import Testing

@testable import CurlEngine

/// The request header list curl reads, built in one allocation instead of two per line.
@Suite("HeaderLineBlock")
struct HeaderLineBlockTests {
    private func lines(_ list: UnsafeMutablePointer<curl_slist>) -> [String] {
        var result: [String] = []
        var node: UnsafeMutablePointer<curl_slist>? = list
        while let current = node {
            result.append(String(cString: current.pointee.data))
            node = current.pointee.next
        }
        return result
    }

    @Test func linesInOrderWithCurlsSpellingOfEmptyValues() {
        let list = HeaderLineBlock.make(
            headers: [("Host", "127.0.0.1:8080"), ("X-Empty", ""), ("X-Name", "Zoë ✓"), ("A", "b: c")],
            then: ["Expect:", "Accept:"])
        defer { HeaderLineBlock.free(list) }
        #expect(lines(list) == ["Host: 127.0.0.1:8080", "X-Empty;", "X-Name: Zoë ✓", "A: b: c", "Expect:", "Accept:"])
    }

    @Test func onlyTheFixedLines() {
        let list = HeaderLineBlock.make(headers: [], then: ["Expect:"])
        defer { HeaderLineBlock.free(list) }
        #expect(lines(list) == ["Expect:"])
    }

    @Test func manyAndLongLinesStayInsideTheBlock() {
        let headers = (0..<200).map { (name: "X-Header-\($0)", value: String(repeating: "v", count: $0 * 7)) }
        let list = HeaderLineBlock.make(headers: headers, then: ["Expect:"])
        defer { HeaderLineBlock.free(list) }
        let expected = headers.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" } + ["Expect:"]
        #expect(lines(list) == expected)
    }
}
