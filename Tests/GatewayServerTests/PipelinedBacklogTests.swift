import Foundation
import GatewayTestSupport
import Testing

/// SPEC §11 (issue 13, defect 6): a client that pipelines requests and never reads cannot grow
/// the gateway's memory. Before, an exchange counted as done once its response was queued on
/// the channel, so the next pipelined request started at once: 4,000 small GETs took the
/// process from 341 MB to 872 MB. Now no further request is read or started while more than
/// 256 KiB of responses wait to be written.
@Suite("Pipelining without reading", .timeLimit(.minutes(1)))
struct PipelinedBacklogTests {
    @Test func requestsBehindUntakenResponsesWaitAndAllArriveLater() async throws {
        try await withGateway { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            let count = 300
            let size = 64 * 1024
            var requests: [UInt8] = []
            for index in 0..<count {
                requests += RawHTTPClient.requestBytes(method: "GET", path: "/fn/bytes/\(size)?n=\(index)", host: "127.0.0.1:\(gateway.port)")
            }
            try client.send(requests)  // 300 requests asking for 19 MiB; the client reads nothing yet
            try await Task.sleep(for: .seconds(1))
            // What the kernel's socket buffers hold (the client's receive buffer does not grow
            // while it reads nothing; the gateway's send buffer is at most 4 MiB here) plus the
            // gateway's 256 KiB, in 64 KiB answers: far fewer than all of them (on the previous
            // main the backend saw all 300).
            let started = backend.requests.count
            #expect(started < count / 2, "\(started) of \(count) requests went to the backend while the client read nothing")
            for index in 0..<count {
                let response = try client.readResponse(timeout: .seconds(10))
                #expect(response.status == 200, "response \(index)")
                #expect(response.body.count == size, "response \(index)")
                if response.status != 200 || response.body.count != size { break }
            }
            #expect(backend.requests.count == count)
        }
    }
}
