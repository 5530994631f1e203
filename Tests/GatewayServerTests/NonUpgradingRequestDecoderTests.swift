import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import GatewayServer

/// `NonUpgradingRequestDecoder` on an embedded channel: its idea of which requests stop NIO's
/// decoder is held to what NIO's decoder does, and it goes on reading the requests behind them.
@Suite("Request decoder that never switches protocols")
struct NonUpgradingRequestDecoderTests {
    /// Records every part, and tells the decoder of each as `ProxyHandler` does.
    final class PartRecorder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        let decoder: NonUpgradingRequestDecoder?
        var parts: [String] = []
        var heads: [HTTPRequestHead] = []

        init(decoder: NonUpgradingRequestDecoder?) {
            self.decoder = decoder
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let part = self.unwrapInboundIn(data)
            self.decoder?.decoded(part)
            switch part {
            case .head(let head):
                self.parts.append("\(head.method.rawValue) \(head.uri)")
                self.heads.append(head)
            case .body(let buffer): self.parts.append("body \(buffer.readableBytes)")
            case .end: self.parts.append("end")
            }
        }
    }

    static let next = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n"

    /// Request heads (without the final CRLF) and whether llhttp ends parsing after them.
    static let heads: [(head: String, stops: Bool)] = [
        ("GET /a HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n", true),
        ("GET /a HTTP/1.1\r\nHost: h\r\nupgrade: websocket\r\nconnection: UPGRADE\r\n", true),
        ("GET /a HTTP/1.1\r\nHost: h\r\nConnection: keep-alive,upgrade\r\nUpgrade: h2c\r\n", true),
        ("GET /a HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nConnection: upgrade\r\nUpgrade: h2c\r\n", true),
        ("GET /a HTTP/1.1\r\nHost: h\r\nConnection: close, upgrade\r\nUpgrade: h2c\r\n", true),
        ("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\nabc", true),
        ("CONNECT /a HTTP/1.1\r\nHost: h\r\n", true),
        ("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n", true),
        ("GET /a HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n", false),
        ("GET /a HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\n", false),
        ("GET /a HTTP/1.1\r\nHost: h\r\nConnection: upgrades\r\nUpgrade: h2c\r\n", false),
        ("GET /a HTTP/1.1\r\nHost: h\r\nConnection: x-upgrade\r\nUpgrade: h2c\r\n", false),
        ("GET /a HTTP/1.1\r\nHost: h\r\nX-Connection: upgrade\r\nUpgrade: h2c\r\n", false),
        ("TRACE /a HTTP/1.1\r\nHost: h\r\n", false),
    ]

    /// NIO's plain decoder is fed the request and a GET behind it: it stopped if the GET never
    /// came out. The prediction is made from the head that decoder produced.
    @Test("stopsDecoder(after:) says what NIO's own decoder does", arguments: heads)
    func predictionMatchesNIO(head: String, stops: Bool) throws {
        let channel = EmbeddedChannel()
        let recorder = PartRecorder(decoder: nil)
        try channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(HTTPRequestDecoder()), recorder])
        let request = head.contains("\r\n\r\n") ? head : head + "\r\n"  // one with a body is complete as written
        try channel.writeInbound(ByteBuffer(string: request + Self.next))
        let nioStopped = !recorder.parts.contains("GET /next")
        #expect(nioStopped == stops, "NIO: \(recorder.parts)")
        let parsed = try #require(recorder.heads.first)
        #expect(NonUpgradingRequestDecoder.stopsDecoder(after: parsed) == stops)
        _ = try? channel.finish()
    }

    static let upgrade = "GET /up HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n"

    func decoding(_ writes: [String]) throws -> [String] {
        let channel = EmbeddedChannel()
        let decoder = NonUpgradingRequestDecoder(limits: NIOHTTPDecoderLimitConfiguration())
        let recorder = PartRecorder(decoder: decoder)
        try channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(decoder), recorder])
        for bytes in writes { try channel.writeInbound(ByteBuffer(string: bytes)) }
        _ = try? channel.finish()
        return recorder.parts
    }

    @Test func requestsPipelinedBehindAnUpgradeRequestAreDecoded() throws {
        #expect(try decoding([Self.upgrade + Self.next + Self.upgrade + Self.next]) == [
            "GET /up", "end", "GET /next", "end", "GET /up", "end", "GET /next", "end",
        ])
    }

    @Test func theRequestBehindMayComeInLaterReads() throws {
        let cut = Self.next.index(Self.next.startIndex, offsetBy: 9)
        #expect(try decoding([Self.upgrade, String(Self.next[..<cut]), String(Self.next[cut...])]) == [
            "GET /up", "end", "GET /next", "end",
        ])
        #expect(try decoding([Self.upgrade + String(Self.next[..<cut]), String(Self.next[cut...])]) == [
            "GET /up", "end", "GET /next", "end",
        ])
    }

    @Test func anUpgradeRequestWithABodyIsDecodedWholeAndSoIsTheNextOne() throws {
        let post = "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\nabc"
        #expect(try decoding([post + Self.next]) == ["POST /up", "body 3", "end", "GET /next", "end"])
    }

    /// After CONNECT the bytes were meant for a tunnel: they stay unread (the gateway refuses
    /// the CONNECT and closes the connection).
    @Test func nothingAfterAConnectIsDecoded() throws {
        #expect(try decoding(["CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n" + Self.next]) == ["CONNECT h:443", "end"])
    }
}
