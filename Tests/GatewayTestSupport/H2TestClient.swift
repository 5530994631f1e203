import NIOConcurrencyHelpers
import NIOCore
import NIOHPACK
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL

/// An HTTP/2 client over TLS for tests of the gateway's h2 listener: swift-nio-http2 with one
/// stream per request. A stream may start without reading, so a test can stall the download
/// (its flow-control window stays shut) and resume it later.
public final class H2TestClient: Sendable {
    private let channel: Channel
    private let multiplexer: NIOHTTP2Handler.StreamMultiplexer
    private let group: MultiThreadedEventLoopGroup

    private init(channel: Channel, multiplexer: NIOHTTP2Handler.StreamMultiplexer, group: MultiThreadedEventLoopGroup) {
        self.channel = channel
        self.multiplexer = multiplexer
        self.group = group
    }

    public static func connect(port: Int, serverName: String = "localhost") async throws -> H2TestClient {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        configuration.applicationProtocols = ["h2"]
        let context = try NIOSSLContext(configuration: configuration)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let (channel, multiplexer) = try await ClientBootstrap(group: group)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(try NIOSSLClientHandler(context: context, serverHostname: serverName))
                        let multiplexer = try sync.configureHTTP2Pipeline(
                            mode: .client, connectionConfiguration: .init(), streamConfiguration: .init()
                        ) { stream in stream.eventLoop.makeSucceededVoidFuture() }
                        return (channel, multiplexer)
                    }
                }
            return H2TestClient(channel: channel, multiplexer: multiplexer, group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// One request on a new stream; `reading: false` leaves the response unread until
    /// `H2Stream.resumeReading()`.
    public func start(
        method: HTTPMethod = .GET, path: String, authority: String = "localhost", headers: [(String, String)] = [],
        body: [UInt8]? = nil, reading: Bool = true
    ) async throws -> H2Stream {
        let collector = H2ResponseCollector()
        let stream = try await self.multiplexer.createStreamChannel { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandlers([HTTP2FramePayloadToHTTP1ClientCodec(httpProtocol: .https), collector])
            }
        }.get()
        if !reading { try await stream.setOption(ChannelOptions.autoRead, value: false).get() }
        var head = HTTPRequestHead(version: .http2, method: method, uri: path)
        head.headers.add(name: "host", value: authority)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        stream.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { stream.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil) }
        // Not awaited: a body larger than the server lets in waits for its window.
        stream.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        return H2Stream(channel: stream, collector: collector)
    }

    /// One request, waited for.
    public func request(
        method: HTTPMethod = .GET, path: String, authority: String = "localhost", headers: [(String, String)] = [],
        body: [UInt8]? = nil, timeout: Duration = .seconds(30)
    ) async throws -> H2Response {
        try await self.start(method: method, path: path, authority: authority, headers: headers, body: body).response(timeout: timeout)
    }

    /// One request written as frames, without NIO's HTTP/1 codec: `fields` (pseudo-fields
    /// first) in one HEADERS frame that ends the stream, as browsers and h2load send a request
    /// without a body; or, with `endStreamOnHeaders: false`, that frame and then an empty DATA
    /// frame that ends the stream, as `start` sends it. The response's fields come back exactly
    /// as they arrived, `:status` included.
    public func exchangeFrames(
        _ fields: [(String, String)], endStreamOnHeaders: Bool = true, timeout: Duration = .seconds(30)
    ) async throws -> H2FrameResponse {
        let collector = H2FrameCollector()
        let stream = try await self.multiplexer.createStreamChannel { stream in
            stream.eventLoop.makeCompletedFuture { try stream.pipeline.syncOperations.addHandler(collector) }
        }.get()
        let headers = HTTP2Frame.FramePayload.headers(.init(headers: HPACKHeaders(fields), endStream: endStreamOnHeaders))
        stream.write(headers, promise: nil)
        if !endStreamOnHeaders {
            stream.write(HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(ByteBuffer()), endStream: true)), promise: nil)
        }
        stream.flush()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let outcome = collector.outcome { return try outcome.get() }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw H2StreamError(description: "no complete response within \(timeout)")
    }

    public var isActive: Bool { self.channel.isActive }

    public func close() async {
        try? await self.channel.close()
        try? await self.group.shutdownGracefully()
    }
}

/// A response as the client stream received it.
public struct H2Response: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        self.headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

public struct H2StreamError: Error, CustomStringConvertible {
    public let description: String
}

/// One request's stream.
public struct H2Stream: Sendable {
    let channel: Channel
    let collector: H2ResponseCollector

    /// Bytes of the response body received so far.
    public var bodyBytesReceived: Int { self.collector.bodyBytes }

    public func resumeReading() async throws {
        try await self.channel.setOption(ChannelOptions.autoRead, value: true).get()
        self.channel.read()
    }

    public func response(timeout: Duration = .seconds(30)) async throws -> H2Response {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let outcome = self.collector.outcome { return try outcome.get() }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw H2StreamError(description: "no complete response within \(timeout); \(self.collector.bodyBytes) body bytes so far")
    }
}

final class H2ResponseCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPClientResponsePart

    private struct State {
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        var outcome: Result<H2Response, H2StreamError>?
    }

    private let state = NIOLockedValueBox(State())

    var outcome: Result<H2Response, H2StreamError>? { self.state.withLockedValue { $0.outcome } }
    var bodyBytes: Int { self.state.withLockedValue { $0.body.count } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            // Interim heads (100) are followed by the final one.
            if head.status.code >= 200 { self.state.withLockedValue { $0.head = head } }
        case .body(let buffer):
            self.state.withLockedValue { $0.body += buffer.readableBytesView }
        case .end:
            self.state.withLockedValue { state in
                guard let head = state.head else {
                    state.outcome = .failure(H2StreamError(description: "the stream ended without a response head"))
                    return
                }
                state.outcome = .success(H2Response(status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) }, body: state.body))
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.state.withLockedValue { $0.outcome = $0.outcome ?? .failure(H2StreamError(description: "stream error: \(error)")) }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.state.withLockedValue { $0.outcome = $0.outcome ?? .failure(H2StreamError(description: "the stream closed before its response ended")) }
    }
}

/// A response as its frames carried it.
public struct H2FrameResponse: Sendable {
    /// The final HEADERS frame's fields, in order, `:status` first.
    public var fields: [(String, String)]
    /// Whether that HEADERS frame ended the stream (no DATA frame followed).
    public var headersEndedStream: Bool
    public var body: [UInt8]

    public var status: Int? { self.fields.first { $0.0 == ":status" }.flatMap { Int($0.1) } }

    public func field(_ name: String) -> String? {
        self.fields.first { $0.0 == name }?.1
    }
}

final class H2FrameCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTP2Frame.FramePayload

    private struct State {
        var response: H2FrameResponse?
        var outcome: Result<H2FrameResponse, H2StreamError>?
    }

    private let state = NIOLockedValueBox(State())

    var outcome: Result<H2FrameResponse, H2StreamError>? { self.state.withLockedValue { $0.outcome } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.state.withLockedValue { state in
            switch self.unwrapInboundIn(data) {
            case .headers(let block):
                let fields = block.headers.map { ($0.name, $0.value) }
                // Interim heads (1xx) are followed by the final one.
                if let status = fields.first(where: { $0.0 == ":status" }).flatMap({ Int($0.1) }), status < 200 { return }
                state.response = H2FrameResponse(fields: fields, headersEndedStream: block.endStream, body: [])
                if block.endStream { state.outcome = .success(state.response!) }
            case .data(let data):
                if case .byteBuffer(let buffer) = data.data { state.response?.body += buffer.readableBytesView }
                if data.endStream {
                    state.outcome = state.response.map { .success($0) }
                        ?? .failure(H2StreamError(description: "the stream ended without a response head"))
                }
            case .rstStream(let code):
                state.outcome = state.outcome ?? .failure(H2StreamError(description: "stream reset: \(code)"))
            default:
                break
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.state.withLockedValue {
            $0.outcome = $0.outcome ?? .failure(H2StreamError(description: "the stream closed before its response ended"))
        }
    }
}
