import CORSPolicy
import GatewayPolicy
import NIOCore
import NIOHPACK
import NIOHTTP2

/// Answers CORS preflights on an HTTP/2 connection from their HEADERS frames, between
/// `NIOHTTP2Handler` and the stream multiplexer: a preflight that went to a stream channel
/// spent over half its CPU creating that channel and its pipeline and running the general
/// request path through the HTTP/1 codec.
///
/// It answers only what `ProxyHandler` would answer at the edge on a stream, with the same
/// status and header fields (`HTTP2ResponseParts`), the same access record and counters: a
/// request head that ends its stream, which `HTTP2PreflightHead` takes, whose normalised path
/// matches a route whose enforced policy answers this preflight itself. The answer is one
/// HEADERS frame that ends the stream, so no stream channel is ever made for it; every other
/// frame goes on to the multiplexer. Streams are independent, so unlike HTTP/1.1's lane this
/// one never hands a connection over for good.
final class HTTP2PreflightLane: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let store: RouteTableStore
    private let telemetry: RequestTelemetry
    /// The last preflight decided on this connection: a page repeats the same one.
    private var lastAnswer: HTTP2PreflightAnswer?
    private var wroteInThisRead = false

    init(store: RouteTableStore, telemetry: RequestTelemetry) {
        self.store = store
        self.telemetry = telemetry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        guard case .headers(let block) = frame.payload, block.endStream,
            let request = HTTP2PreflightHead(block.headers, limits: self.store.current.limits),
            let answer = self.answer(for: request)
        else {
            context.fireChannelRead(data)
            return
        }
        let started = NIODeadline.now()
        let requestId = RequestID.resolve(clientValue: request.requestId)
        var fields = answer.fields
        // Never into the HPACK table: a generated id never repeats, and a table full of them
        // made every field of every answer a long search (16% of a preflight).
        fields.add(name: "x-request-id", value: requestId, indexing: .nonIndexable)
        fields.add(name: "content-length", value: "0")
        context.write(
            self.wrapOutboundOut(HTTP2Frame(streamID: frame.streamID, payload: .headers(.init(headers: fields, endStream: true)))),
            promise: nil)
        self.wroteInThisRead = true
        answer.decision.record(started: started, requestId: requestId, path: request.path, protocolName: "HTTP/2", in: self.telemetry)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if self.wroteInThisRead {
            self.wroteInThisRead = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    /// The answer `ProxyHandler` would give at the edge; nil when it would not answer there.
    private func answer(for request: HTTP2PreflightHead) -> HTTP2PreflightAnswer? {
        let configVersion = self.store.version
        if let last = self.lastAnswer, last.answers(request, configVersion: configVersion) { return last }
        guard let decision = LanePreflightDecision(
            snapshot: self.store.current, host: request.host, routedPath: request.routedPath,
            requestedMethod: request.requestedMethod, corsLines: request.corsLines, telemetry: self.telemetry)
        else { return nil }
        let answer = HTTP2PreflightAnswer(
            request: request, configVersion: configVersion,
            fields: HTTP2ResponseParts.fields(status: decision.status, lines: decision.lines), decision: decision)
        self.lastAnswer = answer
        return answer
    }
}

/// A preflight answer on an HTTP/2 connection, kept with what it was decided from: the same
/// host, routed path and CORS fields under the same configuration get the same answer.
final class HTTP2PreflightAnswer {
    private let host: String
    private let routedPath: String
    private let corsLines: HeaderLines
    private let configVersion: Int
    /// `:status` and the answer's CORS fields; the request id and content-length follow.
    let fields: HPACKHeaders
    let decision: LanePreflightDecision

    init(request: HTTP2PreflightHead, configVersion: Int, fields: HPACKHeaders, decision: LanePreflightDecision) {
        self.host = request.host
        self.routedPath = request.routedPath
        self.corsLines = request.corsLines
        self.configVersion = configVersion
        self.fields = fields
        self.decision = decision
    }

    func answers(_ request: HTTP2PreflightHead, configVersion: Int) -> Bool {
        configVersion == self.configVersion && request.host == self.host && request.routedPath == self.routedPath
            && request.corsLines.elementsEqual(self.corsLines) { $0.name == $1.name && $0.value == $1.value }
    }
}
