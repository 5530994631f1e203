@testable import CORSProbe
import FetchCORS
import Testing

/// What probe makes of its command line before it asks anything.
struct ProbeInputTests {
    @Test(arguments: [
        ("https://API.Example.com:443", "https://api.example.com/"),
        ("HTTP://127.0.0.1:80/a?b=1", "http://127.0.0.1/a?b=1"),
        ("http://127.0.0.1:8080/modern/hello", "http://127.0.0.1:8080/modern/hello"),
        ("https://api.example.com/p%20q#frag", "https://api.example.com/p%20q"),
    ])
    func urlsAreSerializedAsChromiumQuotesThem(input: String, serialized: String) throws {
        #expect(try TargetURL.parse(input).description == serialized)
    }

    @Test(arguments: ["api.example.com/x", "ftp://a/x", "http://", "https://user:pw@api.example.com/", "http://a b/"])
    func urlsProbeRefuses(input: String) {
        #expect(throws: ProbeError.self) { try TargetURL.parse(input) }
    }

    @Test func redirectsResolveAgainstTheURL() throws {
        let url = try TargetURL.parse("http://127.0.0.1:8080/a/b?c")
        #expect(url.resolving(location: "/x")?.description == "http://127.0.0.1:8080/x")
        #expect(url.resolving(location: "y")?.description == "http://127.0.0.1:8080/a/y")
        #expect(url.resolving(location: "https://other.example/z")?.description == "https://other.example/z")
        #expect(url.resolving(location: "mailto:a@b") == nil)
        #expect(url.origin == "http://127.0.0.1:8080")
    }

    @Test func headersAndMethod() throws {
        let request = try ProbeRequest.parse(
            url: "http://127.0.0.1/", origin: "https://app.example.com", method: "put",
            headers: ["Content-Type: application/json ", "x-api-key", "X-Empty:"], credentials: false, caFile: nil)
        #expect(request.method == "PUT")
        #expect(request.headers == [HeaderField("Content-Type", "application/json"), HeaderField("x-api-key", "probe"), HeaderField("X-Empty", "")])
        #expect(throws: ProbeError.self) {
            try ProbeRequest.parse(url: "http://127.0.0.1/", origin: "https://a.example", method: "GET", headers: ["bad name: v"], credentials: false, caFile: nil)
        }
        #expect(throws: ProbeError.self) {
            try ProbeRequest.parse(url: "http://127.0.0.1/", origin: "https://a.example", method: "GE T", headers: [], credentials: false, caFile: nil)
        }
    }

    @Test func curlWordsAreQuotedForAShell() {
        #expect(CurlCommand.shellQuoted("http://127.0.0.1:8080/a") == "http://127.0.0.1:8080/a")
        #expect(CurlCommand.shellQuoted("Origin: https://a.example") == "'Origin: https://a.example'")
        #expect(CurlCommand.shellQuoted("it's") == "'it'\\''s'")
        #expect(CurlCommand.shellQuoted("https://a.example/?q=1&r=$HOME") == "'https://a.example/?q=1&r=$HOME'")
    }
}
