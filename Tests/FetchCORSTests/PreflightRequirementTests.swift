import FetchCORS
import Testing

/// Fetch #cors-preflight-fetch step 1 and #cors-unsafe-request-header-names.
struct PreflightRequirementTests {
    @Test(arguments: [
        ("GET", false), ("HEAD", false), ("POST", false), ("get", false), ("post", false),
        ("PUT", true), ("put", true), ("DELETE", true), ("PATCH", true), ("patch", true), ("OPTIONS", true), ("CUSTOM", true),
    ])
    func methods(method: String, needed: Bool) {
        #expect(PreflightRequirement(method: method, headers: []).isNeeded == needed)
    }

    @Test func methodNormalisationUppercasesOnlyTheSixMethods() {
        #expect(normalizedMethod("put") == "PUT")
        #expect(normalizedMethod("Delete") == "DELETE")
        #expect(normalizedMethod("patch") == "patch")
        #expect(normalizedMethod("custom") == "custom")
    }

    @Test func unsafeNamesAreLowercasedUniqueAndSorted() {
        let headers = [HeaderField("X-B", "1"), HeaderField("x-a", "1"), HeaderField("X-A", "2"), HeaderField("Accept", "x")]
        #expect(corsUnsafeRequestHeaderNames(headers) == ["x-a", "x-b"])
    }

    @Test func safelistedValuesOver1024BytesAllBecomeUnsafe() {
        let value = String(repeating: "1", count: 128)
        let nine = ["Accept", "Accept-Language", "Content-Language", "DPR", "Width", "Viewport-Width", "Device-Memory", "RTT", "Downlink"]
            .map { HeaderField($0, $0 == "Accept-Language" || $0 == "Content-Language" ? String(repeating: "a", count: 128) : value) }
        #expect(corsUnsafeRequestHeaderNames(nine).count == 9)
        #expect(corsUnsafeRequestHeaderNames(Array(nine.prefix(8))).isEmpty, "8 × 128 = 1024 bytes is not over the limit")
    }

    @Test func anUnsafeValueDoesNotCountTowardsTheTotal() {
        let headers = (0..<9).map { _ in HeaderField("Accept", String(repeating: "a", count: 129)) }
        #expect(corsUnsafeRequestHeaderNames(headers) == ["accept"])
    }

    @Test func reasonNamesTheMethodAndTheHeaders() {
        let requirement = PreflightRequirement(method: "put", headers: [HeaderField("Content-Type", "application/json")])
        #expect(requirement.reason == "method PUT is not GET, HEAD or POST; request header content-type is not CORS-safelisted")
        #expect(PreflightRequirement(method: "GET", headers: [HeaderField("Accept", "x")]).reason == nil)
    }
}
