import GatewayTestSupport
import Testing

/// A client that goes away mid-response cancels its curl transfer and leaks nothing.
@Suite("Client disconnects", .serialized)
struct CancellationTests {
    @Test func disconnectMidResponseCancelsTheTransfer() async throws {
        try await withGateway { gateway, _ in
            let client = try RawHTTPClient.connect(port: gateway.port)
            try client.setReceiveBuffer(16 * 1024)
            try client.sendRequest(path: "/fn/bytes/\(64 * 1024 * 1024)")
            #expect(await gateway.eventually { gateway.engine.transfersInFlight == 1 })
            try await Task.sleep(for: .milliseconds(200))
            client.close()
            #expect(await gateway.eventually { gateway.engine.transfersInFlight == 0 })
            #expect(await gateway.eventually { gateway.engine.bufferedBytes == 0 })
        }
    }

    @Test func thousandDisconnectsLeakNoFileDescriptors() async throws {
        try await withGateway { gateway, _ in
            // Warm up: event loops, curl's resolver and one pooled connection exist before counting.
            _ = try RawHTTPClient.request(port: gateway.port, path: "/fn/bytes/10")
            #expect(await gateway.eventually { gateway.engine.transfersInFlight == 0 })
            let before = FileDescriptorCounter.openCount()
            for _ in 0..<1000 {
                let client = try RawHTTPClient.connect(port: gateway.port)
                try client.setReceiveBuffer(8 * 1024)
                try client.sendRequest(path: "/fn/bytes/\(4 * 1024 * 1024)")
                _ = try client.isClosedByPeer(within: .milliseconds(2))  // some bytes, then gone
                client.close()
            }
            #expect(await gateway.eventually(.seconds(20)) { gateway.engine.transfersInFlight == 0 })
            #expect(await gateway.eventually(.seconds(10)) { gateway.server.openConnections == 0 })
            // The backend's connections close as curl drops them; give it a moment.
            let settled = await gateway.eventually(.seconds(10)) { FileDescriptorCounter.openCount() <= before + 4 }
            let after = FileDescriptorCounter.openCount()
            #expect(settled, "open descriptors went from \(before) to \(after)")
        }
    }
}
