import NIOCore
import NIOHTTP1

/// Serves one ``TestBackend`` connection, behind NIO's HTTP/1.1 server pipeline (which holds
/// pipelined requests back until the previous response has ended).
///
/// Runs on the connection's event loop only. Besides answering, it gates the channel's reads:
/// `/no-read` stops them for good, and `/echo` with `x-echo-body: 1` pauses them while the
/// echoed bytes cannot drain, so neither ever buffers more than NIO's write watermark.
final class TestBackendHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Bytes per streamed body write; a multiple of the pattern's 256-byte period.
    static let chunkSize = 64 * 1024
    private static let patternChunk = ByteBuffer(bytes: TestBackend.patternBytes(count: chunkSize))

    private struct Request {
        let index: Int
        let head: HTTPRequestHead
        let route: TestBackendRoute
        var checksum = BodyChecksum()
        var bodyBytes = 0
    }

    /// A `/bytes/N` body still being written.
    private struct PatternStream {
        var remaining: Int
        let keepAlive: Bool
    }

    private let recorder: TestBackendRecorder
    private let connection: Int
    private var request: Request?
    private var patternStream: PatternStream?
    /// Set by `/no-read`: no read is ever issued again on this connection.
    private var readsStopped = false
    /// Set while an `x-echo-body` response streams: reads wait for the channel to be writable.
    private var echoingBody = false
    /// A read was swallowed and is owed once the gate opens.
    private var readHeld = false
    /// Guards ``pumpPattern(context:)`` against re-entry from a flush.
    private var pumping = false

    init(recorder: TestBackendRecorder, connection: Int) {
        self.recorder = recorder
        self.connection = connection
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            let route = TestBackendRoute(uri: head.uri, echoBodyRequested: head.headers["x-echo-body"].first == "1")
            let index = self.recorder.record(
                RecordedRequest(
                    connection: self.connection, method: head.method.rawValue, uri: head.uri,
                    headers: head.headers.map { ($0.name, $0.value) }, bodyBytes: 0,
                    checksum: BodyChecksum().hex, bodyComplete: false))
            self.request = Request(index: index, head: head, route: route)
            self.headArrived(context: context, head: head, route: route)

        case .body(let buffer):
            guard var request = self.request else { return }
            request.bodyBytes += buffer.readableBytes
            request.checksum.update(buffer.readableBytesView)
            self.request = request
            self.recorder.update(request.index) { [bodyBytes = request.bodyBytes, hex = request.checksum.hex] in
                $0.bodyBytes = bodyBytes
                $0.checksum = hex
            }
            switch request.route {
            case .noRead:
                self.recorder.addUploadBytesRead(buffer.readableBytes)
            case .echoBody:
                context.writeAndFlush(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            default:
                break
            }

        case .end:
            guard let request = self.request else { return }
            self.request = nil
            self.recorder.update(request.index) { $0.bodyComplete = true }
            self.requestEnded(context: context, request: request)
        }
    }

    private func headArrived(context: ChannelHandlerContext, head: HTTPRequestHead, route: TestBackendRoute) {
        switch route {
        case .hangupBeforeHead:
            context.close(promise: nil)
        case .noRead:
            self.readsStopped = true
        case .echoBody:
            // Answer at once so the body streams back while it streams in.
            self.echoingBody = true
            var headers = HTTPHeaders([("Content-Type", "application/octet-stream")])
            if let length = head.headers["content-length"].first {
                headers.add(name: "Content-Length", value: length)
            }
            context.writeAndFlush(
                self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
                promise: nil)
        default:
            break
        }
    }

    private func requestEnded(context: ChannelHandlerContext, request: Request) {
        let head = request.head
        switch request.route {
        case .echoReport:
            let report = EchoReport(
                method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) },
                bodyBytes: request.bodyBytes, checksum: request.checksum.hex)
            // Encoding plain strings and integers cannot fail.
            let json = (try? report.jsonBytes()) ?? []
            self.respond(
                context: context, to: head, status: .ok, headers: [("Content-Type", "application/json")],
                body: ByteBuffer(bytes: json))
        case .echoBody:
            self.echoingBody = false
            self.endResponse(context: context, keepAlive: head.isKeepAlive)
        case .bytes(let count, let chunked):
            var headers = HTTPHeaders([("Content-Type", "application/octet-stream")])
            if !chunked {
                headers.add(name: "Content-Length", value: String(count))
            }
            // Without Content-Length, NIO's encoder frames the body as chunked.
            context.write(
                self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
                promise: nil)
            if head.method == .HEAD {
                self.endResponse(context: context, keepAlive: head.isKeepAlive)
            } else {
                self.patternStream = PatternStream(remaining: count, keepAlive: head.isKeepAlive)
                self.pumpPattern(context: context)
            }
        case .garbage:
            self.writeRawAndClose(context: context, bytes: ByteBuffer(string: "NOT HTTP\r\n\r\n"))
        case .failMidBody(let count):
            let headers = HTTPHeaders([("Content-Length", String(2 * count))])
            context.write(
                self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
                promise: nil)
            let body = ByteBuffer(bytes: TestBackend.patternBytes(count: count))
            let recorder = self.recorder
            context.writeAndFlush(self.wrapOutboundOut(.body(.byteBuffer(body))))
                .assumeIsolated()
                .whenComplete { result in
                    if case .success = result { recorder.addBytesServed(count) }
                    context.close(promise: nil)
                }
        case .slowHead(let milliseconds):
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(milliseconds))) {
                self.respond(
                    context: context, to: head, status: .ok, headers: [("Content-Type", "text/plain")],
                    body: ByteBuffer(string: "slow\n"))
            }
        case .status(let code):
            // NIO's encoder drops Content-Length itself for statuses that have no body (204, 304).
            self.respond(
                context: context, to: head, status: HTTPResponseStatus(statusCode: code), headers: [],
                body: ByteBuffer())
        case .headers(let items):
            self.respond(context: context, to: head, status: .ok, headers: items, body: ByteBuffer())
        case .notFound:
            self.respond(
                context: context, to: head, status: .notFound, headers: [("Content-Type", "text/plain")],
                body: ByteBuffer(string: "no such test behaviour: \(head.uri)\n"))
        case .silent, .noRead, .hangupBeforeHead:
            break
        }
    }

    // MARK: Outbound helpers

    /// Writes a whole response with a Content-Length body (omitted for HEAD).
    private func respond(
        context: ChannelHandlerContext, to request: HTTPRequestHead, status: HTTPResponseStatus,
        headers: [(String, String)], body: ByteBuffer
    ) {
        var responseHeaders = HTTPHeaders(headers)
        if !responseHeaders.contains(name: "content-length") {
            responseHeaders.add(name: "Content-Length", value: String(body.readableBytes))
        }
        context.write(
            self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: responseHeaders))),
            promise: nil)
        if request.method != .HEAD && body.readableBytes > 0 {
            context.write(self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        self.endResponse(context: context, keepAlive: request.isKeepAlive)
    }

    private func endResponse(context: ChannelHandlerContext, keepAlive: Bool) {
        let written = context.writeAndFlush(self.wrapOutboundOut(.end(nil)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    /// Writes `/bytes/N` chunks while the channel is writable; resumed by writability changes.
    private func pumpPattern(context: ChannelHandlerContext) {
        // A flush can make the channel writable again and so call back in here; the outer
        // call's loop carries on instead.
        guard !self.pumping else { return }
        self.pumping = true
        defer { self.pumping = false }

        while var stream = self.patternStream {
            while stream.remaining > 0 && context.channel.isWritable {
                let size = min(Self.chunkSize, stream.remaining)
                stream.remaining -= size
                let recorder = self.recorder
                context.write(self.wrapOutboundOut(.body(.byteBuffer(Self.patternChunk.getSlice(at: 0, length: size)!))))
                    .whenSuccess { recorder.addBytesServed(size) }
            }
            if stream.remaining == 0 {
                self.patternStream = nil
                self.endResponse(context: context, keepAlive: stream.keepAlive)
                return
            }
            self.patternStream = stream
            context.flush()
            guard context.channel.isWritable else { return }
        }
    }

    /// Bypasses the HTTP encoder: writing on the encoder's own context hands the bytes to the
    /// handlers between it and the socket, which pass them through untouched.
    private func writeRawAndClose(context: ChannelHandlerContext, bytes: ByteBuffer) {
        guard let encoder = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self) else {
            context.close(promise: nil)
            return
        }
        encoder.writeAndFlush(NIOAny(bytes)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    // MARK: Read gating and lifecycle

    func read(context: ChannelHandlerContext) {
        if self.readsStopped || (self.echoingBody && !context.channel.isWritable) {
            self.readHeld = true
            return
        }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            self.pumpPattern(context: context)
            if self.readHeld && !self.readsStopped {
                self.readHeld = false
                context.read()
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.patternStream = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
