import Foundation
import Testing

@testable import FunctionDemo

/// The pure part of the demo functions: JSON that always parses, and refusals that explain.
@Suite("DemoFunction")
struct DemoFunctionTests {
    let function = DemoFunction(service: "modern", runtimeHandler: "2.1.2")

    @Test func awkwardHeaderValuesStayValidJSON() throws {
        let value = "quote \" backslash \\ tab \t bell \u{7} é"
        let response = function.invoke(
            FunctionRequest(method: "GET", uri: "/x", headers: [("X-Odd", value)], bodyBytes: 0))
        let report = try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect((report["headers"] as? [[String]])?.first == ["X-Odd", value])
    }

    @Test func setCookieWithControlCharactersIsRefused() throws {
        let response = function.invoke(
            FunctionRequest(method: "GET", uri: "/x?setCookie=a%3D1%0D%0AX-Injected%3A%201", headers: [], bodyBytes: 0))
        #expect(response.status == 400)
        #expect(!response.headers.contains { $0.0 == "Set-Cookie" })
        #expect(String(decoding: response.body, as: UTF8.self).contains("setCookie"))
    }

    @Test func slowIsCappedAtTenSeconds() {
        let response = function.invoke(FunctionRequest(method: "GET", uri: "/slow?ms=999999", headers: [], bodyBytes: 0))
        #expect(response.delay == .seconds(10))
    }

    @Test func emptyCollectionsRenderCompactly() {
        let response = function.invoke(FunctionRequest(method: "GET", uri: "/", headers: [], bodyBytes: 0))
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains("\"query\": {},"))
        #expect(text.contains("\"headers\": [],"))
    }
}
