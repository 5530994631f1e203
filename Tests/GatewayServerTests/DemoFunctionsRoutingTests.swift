import Foundation
import FunctionDemo
import GatewayTestSupport
import Testing

/// The repository's gateway.json in front of the demo functions, as `make run` starts them
/// (ports swapped for free ones).
@Suite("Repository gateway.json with the demo functions", .serialized)
struct DemoFunctionsRoutingTests {
    struct FunctionReport: Decodable {
        var service: String
        var runtimeHandler: String
        var method: String
        var path: String
        var bodyBytes: Int
        var headers: [[String]]
        var cookies: [String: String]
    }

    @Test func modernAndClassicRoutesReachTheirServices() async throws {
        try await withReadmeGateway { gateway in
            let cases: [(String, String, String)] = [
                ("GET", "/modern/whoami?name=ada", "modern"),
                ("POST", "/classic/hello", "classic"),
            ]
            for (method, path, service) in cases {
                let response = try RawHTTPClient.request(
                    port: gateway.port, method: method, path: path, body: method == "POST" ? Array(#"{"a":1}"#.utf8) : nil
                )
                #expect(response.status == 200)
                let report = try JSONDecoder().decode(FunctionReport.self, from: Data(response.body))
                #expect(report.service == service)
                #expect(report.method == method)
                #expect(report.path == (service == "modern" ? "/whoami" : "/hello"))
            }
            #expect(try RawHTTPClient.request(port: gateway.port, path: "/nowhere").status == 404)

            // The README's runtime example: the same request reaches 2.1.2 with its headers and
            // cookies, and the classic function without them.
            for (prefix, seesThem) in [("modern", true), ("classic", false)] {
                let response = try RawHTTPClient.request(
                    port: gateway.port, path: "/\(prefix)/whoami",
                    headers: [("Cookie", "session=abc"), ("Authorization", "Bearer t"), ("X-Api-Key", "k")]
                )
                let report = try JSONDecoder().decode(FunctionReport.self, from: Data(response.body))
                #expect(report.cookies == (seesThem ? ["session": "abc"] : [:]), "\(prefix)")
                let names = Set(report.headers.map { $0[0].lowercased() })
                #expect(names.contains("authorization") == seesThem, "\(prefix)")
                #expect(names.contains("x-api-key") == seesThem, "\(prefix)")
            }

            // The README's preflight examples.
            let allowed = try RawHTTPClient.request(
                port: gateway.port, method: "OPTIONS", path: "/modern/hello",
                headers: [
                    ("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "PUT"),
                    ("Access-Control-Request-Headers", "content-type, x-api-key"),
                ]
            )
            #expect(allowed.status == 204)
            #expect(allowed.header("access-control-allow-origin") == "https://app.example.com")
            #expect(allowed.header("access-control-allow-credentials") == "true")
            #expect(allowed.header("access-control-allow-headers") == "content-type, x-api-key")
            let rejected = try RawHTTPClient.request(
                port: gateway.port, method: "OPTIONS", path: "/modern/hello",
                headers: [("Origin", "https://evil.example"), ("Access-Control-Request-Method", "PUT")]
            )
            #expect(rejected.status == 403)
            #expect(!rejected.headerNames.contains { $0.lowercased().hasPrefix("access-control-") })
            let credentialed = try RawHTTPClient.request(
                port: gateway.port, path: "/modern/whoami", headers: [("Origin", "https://app.example.com")]
            )
            #expect(credentialed.header("access-control-allow-credentials") == "true")
            let classicResponse = try RawHTTPClient.request(
                port: gateway.port, path: "/classic/whoami", headers: [("Origin", "https://app.example.com")]
            )
            #expect(classicResponse.header("access-control-allow-origin") == "https://app.example.com")
            #expect(classicResponse.header("access-control-allow-credentials") == nil)
        }
    }
}
