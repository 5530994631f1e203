import Testing

@testable import GatewayPolicy

@Suite("RequestID: keep an acceptable client id, else generate")
struct RequestIDTests {
    @Test(arguments: ["a", "abc-123", "A.b_c:d-e", "0123456789", String(repeating: "x", count: 128)])
    func acceptableIdsAreKept(id: String) {
        #expect(RequestID.resolve(clientValue: id) == id)
    }

    @Test(arguments: ["", " ", "a b", "a/b", "ünï", "a\u{0}", "a;b", "{x}", String(repeating: "x", count: 129)])
    func unacceptableIdsAreReplaced(id: String) {
        let resolved = RequestID.resolve(clientValue: id)
        #expect(resolved != id)
        #expect(RequestID.isAcceptable(resolved))
    }

    @Test func generatedIdsAre32HexDigitsAndUnique() {
        let ids = (0..<1000).map { _ in RequestID.generate() }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { $0.count == 32 && $0.allSatisfy(\.isHexDigit) })
    }
}
