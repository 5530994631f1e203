import FetchCORS
import Testing

/// Fetch #cors-safelisted-response-header-name and #concept-filtered-response-cors.
struct ExposedHeadersTests {
    static let fields = [
        HeaderField("Content-Type", "text/plain"), HeaderField("Content-Length", "3"), HeaderField("Cache-Control", "no-store"),
        HeaderField("X-Exposed", "1"), HeaderField("X-Hidden", "1"), HeaderField("Set-Cookie", "a=b"), HeaderField("Date", "x"),
    ]

    @Test(arguments: [
        ("", false, ["cache-control", "content-length", "content-type"]),
        ("X-Exposed", false, ["cache-control", "content-length", "content-type", "x-exposed"]),
        ("x-exposed, set-cookie", false, ["cache-control", "content-length", "content-type", "x-exposed"]),
        ("*", false, ["access-control-expose-headers", "cache-control", "content-length", "content-type", "date", "x-exposed", "x-hidden"]),
        ("*", true, ["cache-control", "content-length", "content-type"]),
        ("*, x-hidden", true, ["cache-control", "content-length", "content-type", "x-hidden"]),
    ])
    func readable(expose: String, credentials: Bool, readable: [String]) {
        var fields = Self.fields
        if !expose.isEmpty { fields.append(HeaderField("Access-Control-Expose-Headers", expose)) }
        let names = ExposedHeaders.readableNames(of: ResponseHead(status: 200, fields: fields), credentials: credentials)
        #expect(names == readable.sorted())
    }

    @Test func splitExposeLinesAreOneList() {
        let head = ResponseHead(
            status: 200,
            fields: [HeaderField("Access-Control-Expose-Headers", "x-a"), HeaderField("Access-Control-Expose-Headers", "X-B"),
                     HeaderField("X-A", "1"), HeaderField("X-B", "1")])
        #expect(ExposedHeaders.readableNames(of: head, credentials: false) == ["x-a", "x-b"])
    }

    @Test func listedButUnreadable() {
        let head = ResponseHead(
            status: 200,
            fields: [HeaderField("Access-Control-Expose-Headers", "x-present, x-absent, set-cookie, *"), HeaderField("X-Present", "1"),
                     HeaderField("Set-Cookie", "a=b")])
        #expect(ExposedHeaders.listedButUnreadable(of: head) == ["x-absent", "set-cookie"])
    }
}
