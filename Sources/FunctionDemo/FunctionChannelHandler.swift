import NIOCore
import NIOHTTP1

/// Feeds each HTTP request on a connection to a ``DemoFunction`` and writes its answer.
/// Bodies are counted, never stored. Runs on the connection's event loop.
final class FunctionChannelHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let function: DemoFunction
    private var head: HTTPRequestHead?
    private var bodyBytes = 0

    init(function: DemoFunction) {
        self.function = function
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.bodyBytes = 0
        case .body(let buffer):
            self.bodyBytes += buffer.readableBytes
        case .end:
            guard let head = self.head else { return }
            self.head = nil
            let response = self.function.invoke(
                FunctionRequest(
                    method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) },
                    bodyBytes: self.bodyBytes))
            if response.delay == .zero {
                self.write(response, to: head, context: context)
            } else {
                context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(response.delay)) {
                    self.write(response, to: head, context: context)
                }
            }
        }
    }

    private func write(_ response: FunctionResponse, to request: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders(response.headers)
        headers.add(name: "Content-Length", value: String(response.body.count))
        let head = HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        if request.method != .HEAD {
            context.write(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
        }
        let ended = context.writeAndFlush(self.wrapOutboundOut(.end(nil)))
        if !request.isKeepAlive {
            ended.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
