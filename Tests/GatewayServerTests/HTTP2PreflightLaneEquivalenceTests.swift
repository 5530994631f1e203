import GatewayTestSupport
import Testing

/// The HTTP/2 preflight lane answers what the general path (a stream channel, NIO's HTTP/1
/// codec and `ProxyHandler`) answers, over real TLS connections: each preflight goes once in one
/// HEADERS frame that ends its stream (as browsers and h2load send it: the lane takes it) and
/// once as HEADERS and an empty DATA frame that ends the stream (the lane never takes that).
@Suite("HTTP/2 preflight lane matches the general path", .serialized)
struct HTTP2PreflightLaneEquivalenceTests {
    static let origin = ("origin", "https://app.test")

    static let preflights: [(name: String, path: String, fields: [(String, String)])] = [
        ("allowed", "/fn/items", [origin, ("access-control-request-method", "PUT"), ("access-control-request-headers", "x-token")]),
        ("no request headers", "/fn/items", [origin, ("access-control-request-method", "GET")]),
        ("origin refused", "/fn/items", [("origin", "https://evil.test"), ("access-control-request-method", "GET")]),
        ("method refused", "/fn/items", [origin, ("access-control-request-method", "DELETE")]),
        ("header refused", "/fn/items", [origin, ("access-control-request-method", "GET"), ("access-control-request-headers", "x-api-key")]),
        ("two request-headers fields", "/fn/items", [origin, ("access-control-request-method", "POST"),
                                                     ("access-control-request-headers", "content-type"), ("access-control-request-headers", "x-token")]),
        ("private network", "/fn/items", [origin, ("access-control-request-method", "GET"), ("access-control-request-private-network", "true")]),
        ("query and dot-segments", "/fn/a/../items?x=1", [origin, ("access-control-request-method", "GET")]),
        ("two origins", "/fn/items", [origin, ("origin", "https://other.test"), ("access-control-request-method", "GET")]),
    ]

    /// Access-log fields that differ between any two requests.
    static let perRequest: Set<String> = ["total_ms", "request_id"]

    @Test func everyAnswerMatchesTheGeneralPath() async throws {
        try await TLSGateway.with { tls in
            let client = try await H2TestClient.connect(port: tls.tlsPort, serverName: "a.test")
            for (index, preflight) in Self.preflights.enumerated() {
                let fields = [(":method", "OPTIONS"), (":scheme", "https"), (":path", preflight.path), (":authority", "a.test")]
                    + preflight.fields + [("x-request-id", "same-\(index)")]
                let lane = try await client.exchangeFrames(fields, endStreamOnHeaders: true)
                let laneLine = try #require(tls.gateway.accessLog.entries.last)
                let general = try await client.exchangeFrames(fields, endStreamOnHeaders: false)
                let generalLine = try #require(tls.gateway.accessLog.entries.last)
                #expect(lane.headersEndedStream, "\(preflight.name): the lane answers in one HEADERS frame")
                #expect(!general.headersEndedStream, "\(preflight.name): the general path ends with a DATA frame")
                #expect(lane.fields.map { "\($0.0): \($0.1)" } == general.fields.map { "\($0.0): \($0.1)" }, "\(preflight.name)")
                #expect(lane.body.isEmpty && general.body.isEmpty)
                #expect(laneLine.metadata.filter { !Self.perRequest.contains($0.key) } == generalLine.metadata.filter { !Self.perRequest.contains($0.key) },
                        "\(preflight.name)")
                #expect(laneLine["protocol"] == "HTTP/2")
            }
            #expect(tls.backend.requests.isEmpty, "a preflight reached the backend")

            // Without a client id each answer gets a new one, in the same place.
            let fields = [(":method", "OPTIONS"), (":scheme", "https"), (":path", "/fn/items"), (":authority", "a.test"),
                          Self.origin, ("access-control-request-method", "GET")]
            let first = try await client.exchangeFrames(fields)
            let second = try await client.exchangeFrames(fields)
            #expect(first.headersEndedStream && second.headersEndedStream)
            #expect(first.fields.map(\.0) == second.fields.map(\.0))
            #expect(first.field("x-request-id")?.count == 32)
            #expect(first.field("x-request-id") != second.field("x-request-id"))
            await client.close()
        }
    }

    /// What the general path answers otherwise (a 404, a proxied preflight) gets there
    /// however the request's frames are cut.
    @Test func preflightsTheEdgeDoesNotAnswerGoToTheGeneralPath() async throws {
        try await TLSGateway.with { tls in
            let client = try await H2TestClient.connect(port: tls.tlsPort, serverName: "a.test")
            let nowhere = [(":method", "OPTIONS"), (":scheme", "https"), (":path", "/nowhere"), (":authority", "a.test"),
                           Self.origin, ("access-control-request-method", "GET")]
            let notFound = try await client.exchangeFrames(nowhere)
            #expect(notFound.status == 404)
            #expect(!notFound.headersEndedStream)
            let noRequestMethod = [(":method", "OPTIONS"), (":scheme", "https"), (":path", "/fn/echo"), (":authority", "a.test"), Self.origin]
            let proxied = try await client.exchangeFrames(noRequestMethod)
            #expect(proxied.status == 200)
            #expect(tls.backend.requests.count == 1, "a plain OPTIONS goes to the backend")
            await client.close()
        }
    }
}
