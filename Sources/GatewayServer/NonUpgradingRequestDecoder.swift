import CORSPolicy
import NIOCore
import NIOHTTP1

/// NIO's HTTP/1.1 request decoder for a server that never switches protocols: SPEC §11 removes
/// `Upgrade` and keeps the connection HTTP/1.1, so requests pipelined behind an upgrade request
/// must still be read.
///
/// NIO's decoder stops for good after a request llhttp takes for a protocol switch (an `Upgrade`
/// line with `upgrade` among the `Connection` tokens, or `CONNECT`), leaving what follows for
/// the handler it expects to replace it (apple/swift-nio#2570): the requests behind it would
/// never be answered. `ProxyHandler` reports every decoded part here; after the end of such a
/// request this decoder carries on with a fresh NIO decoder from the first byte the stopped one
/// left unread. Not after `CONNECT`: it is refused and the connection closed, and what follows
/// it was meant for a tunnel.
final class NonUpgradingRequestDecoder: ByteToMessageDecoder {
    typealias InboundOut = HTTPServerRequestPart

    private let limits: NIOHTTPDecoderLimitConfiguration
    private var decoder: HTTPRequestDecoder
    /// The request being decoded stops NIO's decoder at its end.
    private var requestStopsDecoder = false
    /// That request's end was decoded: the next bytes need a fresh decoder.
    private var restartDue = false

    init(limits: NIOHTTPDecoderLimitConfiguration) {
        self.limits = limits
        self.decoder = Self.makeDecoder(limits)
    }

    private static func makeDecoder(_ limits: NIOHTTPDecoderLimitConfiguration) -> HTTPRequestDecoder {
        HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .drop, limitConfiguration: limits)
    }

    /// Whether llhttp ends parsing after this request: an `Upgrade` line together with a
    /// `Connection` token `upgrade` (any case, in any of its lines), or the method `CONNECT`
    /// (`llhttp__before_headers_complete`). `NonUpgradingRequestDecoderTests` hold this to
    /// what NIO's decoder does.
    static func stopsDecoder(after head: HTTPRequestHead) -> Bool {
        if head.method == .CONNECT { return true }
        // Most requests have no Upgrade line: only then are the Connection tokens read.
        guard head.headers.contains(where: { nameEquals($0.name, "upgrade") }) else { return false }
        return head.headers.contains { line in
            nameEquals(line.name, "connection")
                && line.value.split(separator: ",").contains { $0.trimmingSpacesAndTabs().lowercased() == "upgrade" }
        }
    }

    /// Called by `ProxyHandler` with every part this decoder produced, as it arrives.
    func decoded(_ part: HTTPServerRequestPart) {
        switch part {
        case .head(let head):
            self.requestStopsDecoder = head.method != .CONNECT && Self.stopsDecoder(after: head)
        case .body:
            break
        case .end:
            if self.requestStopsDecoder { self.restartDue = true }
            self.requestStopsDecoder = false
        }
    }

    func decoderAdded(context: ChannelHandlerContext) {
        self.decoder.decoderAdded(context: context)
    }

    func decoderRemoved(context: ChannelHandlerContext) {
        self.decoder.decoderRemoved(context: context)
    }

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let state = try self.decoder.decode(context: context, buffer: &buffer)
        guard self.restartDue else { return state }
        // The stopped decoder consumed the upgrade request and nothing after it.
        self.restartDue = false
        self.decoder.decoderRemoved(context: context)
        self.decoder = Self.makeDecoder(self.limits)
        self.decoder.decoderAdded(context: context)
        return .continue
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try self.decoder.decodeLast(context: context, buffer: &buffer, seenEOF: seenEOF)
    }
}

extension Substring {
    fileprivate func trimmingSpacesAndTabs() -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = self.firstIndex(where: { !isBlank($0) }), let last = self.lastIndex(where: { !isBlank($0) }) else { return "" }
        return self[first...last]
    }
}
