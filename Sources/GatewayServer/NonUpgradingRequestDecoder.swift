import CORSPolicy
import CurlEngine
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
///
/// It also keeps obs-text in request heads byte for byte (SPEC §11): NIO's decoder makes a
/// `String` of each header by UTF-8 decoding, so head bytes that are not UTF-8 are escaped
/// before it sees them (`RawByteEscapes`), and curl is given the original bytes back. Body
/// bytes are never touched: a read with bytes above 0x7F goes to NIO's decoder head by head,
/// each body as far as its length says.
final class NonUpgradingRequestDecoder: ByteToMessageDecoder {
    typealias InboundOut = HTTPServerRequestPart

    /// What `decoded(_:)` says of a part.
    enum Verdict: Equatable {
        case intact
        /// A head whose non-UTF-8 bytes NIO's decoder replaced with U+FFFD: it came in one
        /// read behind a chunked body, where head bytes cannot be told from body bytes before
        /// decoding. Refused (400), never forwarded re-encoded (SPEC §11).
        case headBytesLost
    }

    private let limits: NIOHTTPDecoderLimitConfiguration
    private var decoder: HTTPRequestDecoder
    /// The request being decoded stops NIO's decoder at its end.
    private var requestStopsDecoder = false
    /// That request's end was decoded: the next bytes need a fresh decoder.
    private var restartDue = false
    /// Where the next byte NIO's decoder reads falls: obs-text is escaped in heads only.
    private var position = RequestStreamPosition()
    /// The first bytes of the buffer already looked at (and escaped where needed); NIO's
    /// decoder keeps an unfinished token's bytes in the buffer, and they must not be escaped
    /// twice.
    private var examinedBytes = 0
    /// Where a head's blank line may have begun.
    private var consumedTail = RequestHeadBytes.ConsumedTail()

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
    @discardableResult
    func decoded(_ part: HTTPServerRequestPart) -> Verdict {
        let unguarded = self.position.decoded(part)
        switch part {
        case .head(let head):
            self.requestStopsDecoder = head.method != .CONNECT && Self.stopsDecoder(after: head)
            if unguarded, RequestHeadBytes.holdsReplacementCharacter(head) { return .headBytesLost }
        case .body:
            break
        case .end:
            if self.requestStopsDecoder { self.restartDue = true }
            self.requestStopsDecoder = false
        }
        return .intact
    }

    func decoderAdded(context: ChannelHandlerContext) {
        self.decoder.decoderAdded(context: context)
    }

    func decoderRemoved(context: ChannelHandlerContext) {
        self.decoder.decoderRemoved(context: context)
    }

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        // Most reads hold no byte above 0x7F (browsers send ASCII heads): NIO's decoder gets
        // them whole, as it would without this wrapper.
        guard RequestHeadBytes.hasHighByte(buffer.readableBytesView.dropFirst(self.examinedBytes)) else {
            let restarted = try self.feed(buffer.readableBytes, of: &buffer, context: context)
            // A fresh decoder takes what the stopped one left.
            return restarted && buffer.readableBytes > 0 ? .continue : .needMoreData
        }
        while buffer.readableBytes > 0 {
            let before = (buffer.readableBytes, self.position)
            switch self.position.place {
            case .head:
                // Up to the head's blank line, escaped; then the decoder has seen the whole
                // head and the position says where its body goes.
                let headEnd = RequestHeadBytes.endOfHead(buffer.readableBytesView, after: self.consumedTail)
                let escapedEnd = self.escapeObsText(in: &buffer, upTo: headEnd ?? buffer.readableBytes, context: context)
                try self.feed(escapedEnd, of: &buffer, context: context)
                if headEnd == nil { return .needMoreData }
            case .body:
                if let bodyBytes = self.position.bodyBytesAhead(of: buffer.readableBytes) {
                    try self.feed(bodyBytes, of: &buffer, context: context)
                } else {
                    // A chunked body: where it ends is llhttp's to find.
                    self.position.unguardedFeedStarted()
                    defer { self.position.unguardedFeedEnded() }
                    try self.feed(buffer.readableBytes, of: &buffer, context: context)
                    return .needMoreData
                }
            }
            // The decoder stopped (after an upgrade request, or on an unfinished token): wait.
            if before == (buffer.readableBytes, self.position) { return .needMoreData }
        }
        return .needMoreData
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        _ = try self.decode(context: context, buffer: &buffer)
        return try self.decoder.decodeLast(context: context, buffer: &buffer, seenEOF: seenEOF)
    }

    /// Gives NIO's decoder the first `count` readable bytes; what it consumed leaves `buffer`.
    /// True when the decoder stopped after an upgrade request and was replaced.
    @discardableResult
    private func feed(_ count: Int, of buffer: inout ByteBuffer, context: ChannelHandlerContext) throws -> Bool {
        let consumed: Int
        if count == buffer.readableBytes {
            // The whole read (every ASCII-only read): NIO's decoder takes the buffer itself.
            let start = buffer.readerIndex
            _ = try self.decoder.decode(context: context, buffer: &buffer)
            consumed = buffer.readerIndex - start
            buffer.moveReaderIndex(to: start)
        } else {
            var bytes = buffer.getSlice(at: buffer.readerIndex, length: count)!
            _ = try self.decoder.decode(context: context, buffer: &bytes)
            consumed = bytes.readerIndex
        }
        self.consumedTail.consumed(buffer.viewBytes(at: buffer.readerIndex, length: consumed)!)
        buffer.moveReaderIndex(forwardBy: consumed)
        self.examinedBytes = max(self.examinedBytes, count) - consumed
        guard self.restartDue else { return false }
        // The stopped decoder consumed the upgrade request and nothing after it.
        self.restartDue = false
        self.decoder.decoderRemoved(context: context)
        self.decoder = Self.makeDecoder(self.limits)
        self.decoder.decoderAdded(context: context)
        return true
    }

    /// Escapes the obs-text among the head bytes up to `end` not examined before; returns where
    /// those bytes end now (escaping makes them longer).
    private func escapeObsText(in buffer: inout ByteBuffer, upTo end: Int, context: ChannelHandlerContext) -> Int {
        guard end > self.examinedBytes else { return end }
        let start = self.examinedBytes
        let escaped = buffer.withUnsafeReadableBytes { bytes in
            RawByteEscapes.escaping(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
        }
        guard let escaped else {
            self.examinedBytes = end
            return end
        }
        var rebuilt = context.channel.allocator.buffer(capacity: buffer.readableBytes - (end - start) + escaped.count)
        rebuilt.writeImmutableBuffer(buffer.getSlice(at: buffer.readerIndex, length: start)!)
        rebuilt.writeBytes(escaped)
        rebuilt.writeImmutableBuffer(buffer.getSlice(at: buffer.readerIndex + end, length: buffer.readableBytes - end)!)
        buffer = rebuilt
        self.examinedBytes = start + escaped.count
        return self.examinedBytes
    }
}

extension Substring {
    fileprivate func trimmingSpacesAndTabs() -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = self.firstIndex(where: { !isBlank($0) }), let last = self.lastIndex(where: { !isBlank($0) }) else { return "" }
        return self[first...last]
    }
}
