import Foundation
import GatewayTestSupport
import Testing

/// SPEC §11: header bytes outside ASCII (obs-text) pass byte for byte (issue 13, defect 13).
/// Over real sockets: a raw client, the in-process gateway and libcurl, and a raw backend that
/// records every byte. At 5bcd524 each non-UTF-8 byte reached the backend as U+FFFD (EF BF BD),
/// as each test's comment says.
@Suite("Obs-text in request heads (SPEC §11)", .serialized)
struct ObsTextRequestTests {
    static let answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

    /// ISO-8859-1 `é` (0xE9), UTF-8 `é` (C3 A9), lone bytes 0xFF 0xFE, and F4 8F BE 80, the
    /// UTF-8 of U+10FF80 (the start of the range the decoder escapes into, so it must be
    /// escaped itself). Values only: names are tokens.
    static let obsTextLines: [UInt8] =
        Array("X-Latin1: caf".utf8) + [0xE9] + Array("\r\nX-Utf8: caf".utf8) + [0xC3, 0xA9]
        + Array("\r\nX-Bytes: a".utf8) + [0xFF, 0xFE] + Array(" b\r\nX-Range: ".utf8) + [0xF4, 0x8F, 0xBE, 0x80] + Array("\r\n".utf8)

    static func get(_ path: String, extraLines: [UInt8] = obsTextLines) -> [UInt8] {
        Array("GET \(path) HTTP/1.1\r\nHost: h\r\n".utf8) + extraLines + Array("\r\n".utf8)
    }

    private func withRawBackend(_ body: (GatewayHarness, ScriptedBackend) async throws -> Void) async throws {
        // It answers once the whole request is in: an early answer would cut the upload short.
        let backend = try await ScriptedBackend.start(response: Self.answer, waitsForBody: true)
        do {
            try await withGateway(frontOf: backend.baseURL) { try await body($0, backend) }
        } catch {
            try await backend.shutdown()
            throw error
        }
        try await backend.shutdown()
    }

    /// Polls until the backend has recorded what a test waits for (its bytes arrive on its own
    /// event loop); fails the test after 3 seconds.
    static func waitUntil(_ what: @autoclosure () -> String = "", _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(3)
        while !condition() {
            let late = ContinuousClock.now >= deadline
            try #require(!late, "the backend did not receive what was expected in 3 seconds: \(what())")
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The lines as the backend must see them, in order, among what it received.
    static func expectLines(_ lines: [UInt8], in received: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let kept = Self.containsInOrder(received, lines)
        #expect(kept, "the backend got \(Self.shown(received))", sourceLocation: sourceLocation)
    }

    /// Bytes above 0x7E as \xNN, the rest as text.
    static func shown(_ bytes: [UInt8]) -> String {
        bytes.map { $0 >= 0x20 && $0 < 0x7F ? String(UnicodeScalar($0)) : String(format: "\\x%02X", $0) }.joined()
    }

    static func containsInOrder(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    /// At 5bcd524 the backend got `X-Latin1: caf\u{FFFD}` and `X-Bytes: a\u{FFFD}\u{FFFD} b`.
    @Test func obsTextHeaderValuesReachTheBackendByteForByte() async throws {
        try await withRawBackend { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.send(Self.get("/fn/x"))
            #expect(try client.readResponse(timeout: .seconds(5)).status == 200)
            let head = try #require(backend.requestHeads.first)
            Self.expectLines(Self.obsTextLines, in: head)
        }
    }

    /// The same head written a byte at a time: escaping must not depend on where reads end
    /// (a sequence split between reads, a blank line begun in one read).
    @Test func obsTextSurvivesAHeadArrivingAByteAtATime() async throws {
        try await withRawBackend { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            for byte in Self.get("/fn/x") {
                try client.send([byte])
                usleep(2_000)
            }
            #expect(try client.readResponse(timeout: .seconds(5)).status == 200)
            let head = try #require(backend.requestHeads.first)
            Self.expectLines(Self.obsTextLines, in: head)
        }
    }

    /// A binary body (every byte value, and blank lines) and an obs-text head behind it, in
    /// one write: the body is body, never escaped; the head behind it keeps its bytes.
    @Test func aBinaryBodyAndAnObsTextHeadInOneWriteBothPassUnchanged() async throws {
        let body: [UInt8] = Array(0...255) + Array("\r\n\r\nGET / HTTP/1.1\r\n\r\n".utf8) + Array(0...255).reversed()
        let post = Array("POST /fn/upload HTTP/1.1\r\nHost: h\r\nContent-Length: \(body.count)\r\n".utf8)
            + Self.obsTextLines + Array("\r\n".utf8) + body
        try await withRawBackend { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.send(post + Self.get("/fn/next"))
            #expect(try client.readResponse(timeout: .seconds(5)).status == 200)
            #expect(try client.readResponse(timeout: .seconds(5)).status == 200)
            try await Self.waitUntil("two requests, the first with its body: \(backend.receivedBytes.map(\.count))") { backend.receivedBytes.count == 2 && backend.receivedBytes[0].count > body.count }
            let streams = backend.receivedBytes
            Self.expectLines(Self.obsTextLines, in: streams[0])
            #expect(streams[0].suffix(body.count).elementsEqual(body), "the body changed on its way")
            Self.expectLines(Self.obsTextLines, in: streams[1])
        }
    }

    /// Behind a chunked body in the same read, head bytes cannot be told from body bytes
    /// before NIO's decoder has read them: a head there whose bytes are not UTF-8 is refused
    /// (400, close), never forwarded with U+FFFD. A UTF-8 head there passes. At 5bcd524 the
    /// second request was forwarded with `X-Latin1: caf\u{FFFD}`.
    @Test(arguments: [false, true])
    func anObsTextHeadBehindAChunkedBodyInOneReadIsRefusedNotReencoded(utf8Only: Bool) async throws {
        let chunk: [UInt8] = [0x80, 0xE9, 0xFF, 0x0D, 0x0A, 0x41]
        let post = Array("POST /fn/upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n".utf8)
            + chunk + Array("\r\n0\r\n\r\n".utf8)
        let utf8Line = Array("X-Utf8: caf".utf8) + [0xC3, 0xA9] + Array("\r\n".utf8)
        let next = Self.get("/fn/next", extraLines: utf8Only ? utf8Line : Self.obsTextLines)
        try await withRawBackend { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.send(post + next)
            #expect(try client.readResponse(timeout: .seconds(5)).status == 200)
            let second = try client.readResponse(timeout: .seconds(5))
            if utf8Only {
                #expect(second.status == 200)
                try await Self.waitUntil { backend.requestHeads.count == 2 }
                Self.expectLines(utf8Line, in: backend.requestHeads[1])
            } else {
                #expect(second.status == 400)
                #expect(try client.isClosedByPeer(within: .seconds(2)))
                #expect(backend.requestHeads.count == 1)
                for head in backend.requestHeads {
                    let replaced = Self.containsInOrder(head, [0xEF, 0xBF, 0xBD])
                    #expect(!replaced, "U+FFFD reached the backend: \(Self.shown(head))")
                }
            }
        }
    }
}
