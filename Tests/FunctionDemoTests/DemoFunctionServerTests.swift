import Foundation
import FunctionDemo
import GatewayTestSupport
import Testing

/// The demo services describe what they received, over real sockets.
@Suite("DemoFunctionServer", .timeLimit(.minutes(1)))
struct DemoFunctionServerTests {
    @Test func reportsWhatTheFunctionReceived() async throws {
        try await withServer(name: "modern", runtimeHandler: "2.1.2") { port in
            let response = try RawHTTPClient.request(
                port: port, method: "POST", path: "/whoami?to=Ada+L&tag=a&tag=b",
                headers: [
                    ("Cookie", "sid=abc; theme=\"dark\""), ("X-Dup", "1"), ("Cookie", "sid=later; lang=en"),
                    ("x-dup", "2"),
                ],
                body: Array(repeating: 0x41, count: 1234))
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json; charset=utf-8")
            #expect(response.bodyText.hasSuffix("}\n"))
            #expect(response.bodyText.contains("\n  \"service\": \"modern\",\n"))

            let report = try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
            #expect(report["service"] as? String == "modern")
            #expect(report["runtimeHandler"] as? String == "2.1.2")
            #expect(report["method"] as? String == "POST")
            #expect(report["path"] as? String == "/whoami")
            let query = try #require(report["query"] as? [String: Any])
            #expect(query["to"] as? String == "Ada L")
            #expect(query["tag"] as? [String] == ["a", "b"])
            let headers = try #require(report["headers"] as? [[String]])
            #expect(headers.map { $0[0] } == ["Host", "Cookie", "X-Dup", "Cookie", "x-dup", "Content-Length"])
            #expect(headers[2] == ["X-Dup", "1"])
            #expect(report["cookies"] as? [String: String] == ["sid": "abc", "theme": "dark", "lang": "en"])
            #expect(report["bodyBytes"] as? Int == 1234)
        }
    }

    @Test func setCookieAddsOneLinePerOccurrence() async throws {
        try await withServer(name: "classic", runtimeHandler: "classic") { port in
            let response = try RawHTTPClient.request(
                port: port, path: "/hello?setCookie=a%3D1&setCookie=b=2&setCookie=c%3D3%3B%20Path%3D%2Fx")
            #expect(response.values(of: "set-cookie") == ["a=1; Path=/", "b=2; Path=/", "c=3; Path=/x"])
            let report = try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
            #expect(report["runtimeHandler"] as? String == "classic")
        }
    }

    @Test func slowWaitsTheRequestedTime() async throws {
        try await withServer(name: "modern", runtimeHandler: "2.1.2") { port in
            let started = ContinuousClock.now
            let response = try RawHTTPClient.request(port: port, path: "/slow?ms=250")
            #expect(response.status == 200)
            #expect(ContinuousClock.now - started >= .milliseconds(250))
            #expect(try RawHTTPClient.request(port: port, path: "/slow?ms=soon").status == 400)
        }
    }

    @Test func headAnswersWithoutABody() async throws {
        try await withServer(name: "modern", runtimeHandler: "2.1.2") { port in
            let response = try RawHTTPClient.request(port: port, method: "HEAD", path: "/hello")
            #expect(response.status == 200)
            #expect(Int(response.header("content-length") ?? "") ?? 0 > 0)
            #expect(response.body.isEmpty)
        }
    }

    @Test func shutdownEndsAWaitingRequest() async throws {
        let server = DemoFunctionServer(name: "modern", runtimeHandler: "2.1.2")
        let port = try await server.start()
        let client = try RawHTTPClient.connect(port: port)
        defer { client.close() }
        try client.sendRequest(path: "/slow?ms=10000")
        let started = ContinuousClock.now
        try await server.shutdown()
        #expect(try client.isClosedByPeer(within: .seconds(2)))
        // Well under the 10 s the function would have waited; generous because blocking
        // clients in parallel tests can hold up the cooperative threads.
        #expect(ContinuousClock.now - started < .seconds(8))
        #expect(await server.boundPort == nil)
    }

    @Test func startingTwiceIsAnError() async throws {
        let server = DemoFunctionServer(name: "modern", runtimeHandler: "2.1.2")
        let port = try await server.start()
        #expect(await server.boundPort == port)
        await #expect(throws: DemoFunctionServerError.self) { try await server.start() }
        try await server.shutdown()
    }

    @Test func busyPortIsReportedWithTheServiceName() async throws {
        let first = DemoFunctionServer(name: "modern", runtimeHandler: "2.1.2")
        let port = try await first.start()
        let second = DemoFunctionServer(name: "classic", runtimeHandler: "classic", port: port)
        let error = await #expect(throws: DemoFunctionServerError.self) { try await second.start() }
        #expect(error.map { "\($0)" }?.hasPrefix("classic: cannot listen on 127.0.0.1:\(port)") == true)
        try await first.shutdown()
    }

    private func withServer(name: String, runtimeHandler: String, _ body: (Int) async throws -> Void) async throws {
        let server = DemoFunctionServer(name: name, runtimeHandler: runtimeHandler)
        let port = try await server.start()
        do {
            try await body(port)
        } catch {
            try? await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }
}
