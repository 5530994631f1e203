import Foundation
import GatewayTestSupport
import Testing

/// SPEC §11 (issue 13, defect 5): a request body must arrive within `limits.bodyTimeoutMs` of
/// its head, or 408 `body_timeout` and close. Before, a client that declared a body and
/// trickled it a byte at a time (faster than any idle timeout) held its backend slot for as
/// long as it liked; on the previous main `bodyTimeoutMs` is an unknown `limits` key.
@Suite("Request body timeout", .timeLimit(.minutes(1)))
struct BodyTimeoutTests {
    @Test func trickledBodyGets408AndFreesItsSlot() async throws {
        try await withGateway(limits: #""bodyTimeoutMs": 400"#) { gateway, _ in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.sendRequest(
                method: "POST", path: "/fn/echo",
                headers: [("Content-Type", "application/octet-stream"), ("Content-Length", "1000")])
            let started = ContinuousClock.now
            // One byte every 50 ms: far inside any idle timeout, never the whole body. The
            // trickle ends (and is waited for) before anything else touches the client.
            nonisolated(unsafe) let trickler = client
            let trickle = Task.detached {
                for _ in 0..<60 where !Task.isCancelled {
                    guard (try? trickler.send([0x61], timeout: .milliseconds(200))) != nil else { return }
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            let answer = Result { try client.readResponse(timeout: .seconds(3)) }
            trickle.cancel()
            await trickle.value
            let response = try answer.get()
            let waited = ContinuousClock.now - started
            #expect(response.status == 408)
            #expect(ExchangeRegressionTests.errorCode(response) == "body_timeout")
            #expect(response.header("connection")?.lowercased() == "close")
            #expect(waited >= .milliseconds(350) && waited < .seconds(2), "answered after \(waited)")
            #expect(try client.isClosedByPeer(within: .seconds(2)))
            let released = await gateway.eventually(.seconds(3)) { gateway.engine.transfersInFlight == 0 }
            #expect(released, "transfers still in flight: \(gateway.engine.transfersInFlight)")
        }
    }

    @Test func bodyThatArrivesInTimeIsUnaffected() async throws {
        try await withGateway(limits: #""bodyTimeoutMs": 400"#) { gateway, _ in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            for round in 0..<3 {
                // Well inside the timeout each time, on one keep-alive connection: every
                // request's body has its own deadline, from its own head.
                try client.sendRequest(method: "POST", path: "/fn/echo", body: Array(repeating: 0x62, count: 100))
                let response = try client.readResponse(timeout: .seconds(3))
                #expect(response.status == 200, "request \(round)")
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }
}
