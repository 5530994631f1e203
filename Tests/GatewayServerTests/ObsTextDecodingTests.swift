import CurlEngine
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import GatewayServer

/// `NonUpgradingRequestDecoder` keeps obs-text in heads and never touches a body (SPEC §11),
/// however the stream is cut into reads: random request streams on an embedded channel.
@Suite("Request decoder: obs-text byte for byte")
struct ObsTextDecodingTests {
    /// What the decoder produced, with its verdict on each head.
    final class Recorder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        let decoder: NonUpgradingRequestDecoder
        var heads: [HTTPRequestHead] = []
        var bodies: [[UInt8]] = []
        var lostHeads: [Int] = []

        init(decoder: NonUpgradingRequestDecoder) {
            self.decoder = decoder
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let part = self.unwrapInboundIn(data)
            if self.decoder.decoded(part) == .headBytesLost { self.lostHeads.append(self.heads.count) }
            switch part {
            case .head(let head):
                self.heads.append(head)
                self.bodies.append([])
            case .body(let buffer): self.bodies[self.bodies.count - 1] += buffer.readableBytesView
            case .end: break
            }
        }
    }

    /// One request of a generated stream.
    struct Request {
        var method: String
        var values: [[UInt8]]
        var body: [UInt8]
        var chunked: Bool
        var upgrade: Bool

        var bytes: [UInt8] {
            var head = Array("\(self.method) /r HTTP/1.1\r\nHost: h\r\n".utf8)
            for (index, value) in self.values.enumerated() { head += Array("X-V\(index): ".utf8) + value + [13, 10] }
            if self.upgrade { head += Array("Connection: upgrade\r\nUpgrade: h2c\r\n".utf8) }
            if self.chunked {
                head += Array("Transfer-Encoding: chunked\r\n\r\n".utf8)
                if !self.body.isEmpty { head += Array("\(String(self.body.count, radix: 16))\r\n".utf8) + self.body + [13, 10] }
                return head + Array("0\r\n\r\n".utf8)
            }
            if self.method == "POST" { head += Array("Content-Length: \(self.body.count)\r\n".utf8) }
            return head + [13, 10] + self.body
        }
    }

    /// SplitMix64: the same streams on every run.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A field value: visible ASCII, tabs inside and bytes above 0x7F (valid UTF-8 or not),
    /// never starting or ending with whitespace, which is no part of a value.
    static func value(_ random: inout SeededGenerator) -> [UInt8] {
        let alphabet: [UInt8] = Array(0x21...0x7E) + Array(0x80...0xFF) + [0x20, 0x09] + [0xC3, 0xA9, 0xF4, 0x8F, 0xBE, 0xBF]
        var value = (0..<Int.random(in: 0...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
        value.insert(UInt8.random(in: 0x21...0x7E, using: &random), at: 0)
        value.append(UInt8.random(in: 0x80...0xFF, using: &random))
        return value
    }

    static func request(_ random: inout SeededGenerator) -> Request {
        let post = Bool.random(using: &random)
        let body = post ? (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) } : []
        return Request(
            method: post ? "POST" : "GET",
            values: (0..<Int.random(in: 1...3, using: &random)).map { _ in Self.value(&random) },
            body: body,
            chunked: post && Int.random(in: 0..<4, using: &random) == 0,
            upgrade: Int.random(in: 0..<8, using: &random) == 0)
    }

    @Test("random request streams cut into random reads", arguments: 0..<400)
    func headsKeepTheirBytesAndBodiesAreUntouched(seed: UInt64) throws {
        var random = SeededGenerator(state: seed)
        let requests = (0..<Int.random(in: 1...4, using: &random)).map { _ in Self.request(&random) }
        let stream = requests.flatMap(\.bytes)
        var cuts = Set((0..<Int.random(in: 0...6, using: &random)).map { _ in Int.random(in: 1..<stream.count, using: &random) })
        cuts.insert(stream.count)

        let channel = EmbeddedChannel()
        let decoder = NonUpgradingRequestDecoder(limits: NIOHTTPDecoderLimitConfiguration())
        let recorder = Recorder(decoder: decoder)
        try channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(decoder), recorder])
        var start = 0
        for cut in cuts.sorted() {
            try channel.writeInbound(ByteBuffer(bytes: stream[start..<cut]))
            start = cut
        }
        _ = try? channel.finish()

        // A lost head is refused and ends the connection: only what came before it counts.
        let usable = recorder.lostHeads.first ?? recorder.heads.count
        if let lost = recorder.lostHeads.first {
            let chunkedBefore = requests[..<lost].contains { $0.chunked }
            #expect(chunkedBefore, "a head was lost with no chunked body before it")
        } else {
            #expect(recorder.heads.count == requests.count, "stream: \(stream)")
        }
        for (index, head) in recorder.heads.prefix(usable).enumerated() {
            let values = head.headers.filter { $0.name.hasPrefix("X-V") }.map { RawByteEscapes.rawBytes($0.value) }
            #expect(values == requests[index].values, "request \(index) of \(requests.count), cuts \(cuts.sorted())")
            #expect(recorder.bodies[index] == requests[index].body, "request \(index) body")
        }
    }

    /// The blank line that ends a head may begin in bytes already consumed.
    @Test(arguments: [
        ("\r\n\r\nbody", "", 4), ("\r\nbody", "\r\n", 2), ("\nbody", "\r\n", 1), ("\nbody", "\n\r", 1),
        ("\r\nX: y\r\n\r\n", "", 10), ("X: y\r\n\r\n", "a", 8), ("X: y\n\nrest", "", 6), ("X: y\r\n", "", nil),
        ("X: y\r\n\r", "", nil), ("\r\n", "\r\n", 2), ("\r", "\r\n", nil),
    ] as [(String, String, Int?)])
    func endOfHead(bytes: String, consumed: String, expected: Int?) {
        var tail = RequestHeadBytes.ConsumedTail()
        tail.consumed(ByteBuffer(string: consumed).readableBytesView)
        #expect(RequestHeadBytes.endOfHead(ByteBuffer(string: bytes).readableBytesView, after: tail) == expected)
    }
}
