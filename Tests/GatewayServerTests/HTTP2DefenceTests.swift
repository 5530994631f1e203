import GatewayTestSupport
import Testing

/// HTTP/2 abuse over real sockets (SPEC §12): a rapid-reset flood (CVE-2023-44487) and a
/// CONTINUATION flood each end their connection with GOAWAY, while other connections keep
/// working. The frames are written by hand over TLS, as an attacker would.
@Suite("HTTP/2 defences (SPEC §12)", .serialized)
struct HTTP2DefenceTests {
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    static func frame(type: UInt8, flags: UInt8, stream: UInt32, payload: [UInt8]) -> [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type, flags,
                UInt8(stream >> 24 & 0x7F), UInt8(stream >> 16 & 0xFF), UInt8(stream >> 8 & 0xFF), UInt8(stream & 0xFF)] + payload
    }

    /// HPACK: `:method GET`, `:scheme https`, `:path /` from the static table, and
    /// `:authority a.test` as a literal without indexing.
    static let requestBlock: [UInt8] = [0x82, 0x87, 0x84, 0x01, 0x06] + Array("a.test".utf8)
    static let settings = frame(type: 0x4, flags: 0, stream: 0, payload: [])

    /// The frame types the server sent, in order.
    static func frameTypes(_ bytes: [UInt8]) -> [UInt8] {
        var types: [UInt8] = []
        var offset = 0
        while offset + 9 <= bytes.count {
            let length = Int(bytes[offset]) << 16 | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2])
            types.append(bytes[offset + 3])
            offset += 9 + length
        }
        return types
    }

    static let goAway: UInt8 = 0x7

    /// Another client, on its own connection, still gets answers.
    static func expectOthersStillServed(_ tls: TLSGateway) async throws {
        let other = try await H2TestClient.connect(port: tls.tlsPort, serverName: "a.test")
        let response = try await other.request(path: "/fn/echo", authority: "a.test")
        await other.close()
        #expect(response.status == 200)
    }

    @Test func aRapidResetFloodEndsTheConnectionWithGoAway() async throws {
        try await TLSGateway.with { tls in
            let attacker = try await TLSTestClient.connect(port: tls.tlsPort, serverName: "a.test", alpn: ["h2"])
            #expect(attacker.negotiatedProtocol == "h2")
            var bytes = Self.preface + Self.settings
            for index in 0..<400 {
                let stream = UInt32(2 * index + 1)
                bytes += Self.frame(type: 0x1, flags: 0x5, stream: stream, payload: Self.requestBlock)  // HEADERS, END_STREAM | END_HEADERS
                bytes += Self.frame(type: 0x3, flags: 0, stream: stream, payload: [0, 0, 0, 0x8])  // RST_STREAM CANCEL
            }
            try? await attacker.send(bytes)
            #expect(await attacker.waitFor(.seconds(10)) { Self.frameTypes($0).contains(Self.goAway) }, "no GOAWAY")
            #expect(await attacker.isClosed(within: .seconds(5)))
            await attacker.close()
            try await Self.expectOthersStillServed(tls)
        }
    }

    @Test func aContinuationFloodEndsTheConnectionWithGoAway() async throws {
        try await TLSGateway.with { tls in
            let attacker = try await TLSTestClient.connect(port: tls.tlsPort, serverName: "a.test", alpn: ["h2"])
            var bytes = Self.preface + Self.settings
            bytes += Self.frame(type: 0x1, flags: 0x1, stream: 1, payload: Self.requestBlock)  // HEADERS without END_HEADERS
            // `x-a: b`, a literal with a new name, again and again: the header block never ends.
            let field: [UInt8] = [0x00, 0x03] + Array("x-a".utf8) + [0x01] + Array("b".utf8)
            for _ in 0..<1000 { bytes += Self.frame(type: 0x9, flags: 0, stream: 1, payload: field) }
            try? await attacker.send(bytes)
            #expect(await attacker.waitFor(.seconds(10)) { Self.frameTypes($0).contains(Self.goAway) }, "no GOAWAY")
            #expect(await attacker.isClosed(within: .seconds(5)))
            await attacker.close()
            #expect(tls.backend.requests.isEmpty)
            try await Self.expectOthersStillServed(tls)
        }
    }

    /// Streams beyond the 100 the server allows are refused, not queued without bound.
    @Test func theServerAnnouncesAHundredConcurrentStreams() async throws {
        try await TLSGateway.with { tls in
            let client = try await TLSTestClient.connect(port: tls.tlsPort, serverName: "a.test", alpn: ["h2"])
            try await client.send(Self.preface + Self.settings)
            #expect(await client.waitFor { Self.frameTypes($0).first == 0x4 })
            // The server's first SETTINGS frame: six-byte entries; 0x3 is MAX_CONCURRENT_STREAMS.
            let received = client.received
            let length = Int(received[0]) << 16 | Int(received[1]) << 8 | Int(received[2])
            var settings: [UInt16: UInt32] = [:]
            var offset = 9
            while offset + 6 <= 9 + length {
                let id = UInt16(received[offset]) << 8 | UInt16(received[offset + 1])
                settings[id] = received[(offset + 2)..<(offset + 6)].reduce(0) { $0 << 8 | UInt32($1) }
                offset += 6
            }
            await client.close()
            #expect(settings[0x3] == 100)
        }
    }
}
