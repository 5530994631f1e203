import CORSPolicy
import CurlEngine
import GatewayConfig
import GatewayPolicy
import NIOCore
import NIOHTTP1

/// One client connection's exchanges, executed: `ConnectionStateMachine` decides what every
/// event leads to, and this handler does it: routes a request head, starts and feeds the
/// upstream transfer, writes responses (`ResponseWire`), arms the exchange's deadline, holds
/// and resumes reads, records the access-log line, closes.
///
/// Reads are not held while a response is pending and nothing waits: NIO's
/// `HTTPServerPipelineHandler` did that, which cost two `epoll_ctl` calls per proxied request.
final class ProxyHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What the channel carries: a client connection speaking HTTP/1.1 (responses written as
    /// bytes, `ResponseWire`), or one HTTP/2 stream (responses as typed parts for
    /// `HTTP2FramePayloadToHTTP1ServerCodec`, `HTTP2ResponseParts`).
    enum Wire {
        case http1
        case http2
    }

    private let store: RouteTableStore
    private let upstream: any UpstreamClient
    private let telemetry: RequestTelemetry
    /// The connection's head and idle timeouts; nil on an HTTP/2 stream (the connection has its own).
    private let headTimer: RequestHeadTimer?
    private let wire: Wire
    /// Where the request came in, for `X-Forwarded-Proto` (SPEC §12).
    private let scheme: String
    /// On an HTTP/2 stream: the write that ends the response, which a close must wait for.
    private var responseEnded: EventLoopFuture<Void>?
    /// The decoder in front, told of every part; nil when parts come from elsewhere (tests).
    private let decoder: NonUpgradingRequestDecoder?
    private var machine: ConnectionStateMachine
    private var context: ChannelHandlerContext?
    /// The current (or last) exchange: what the machine's actions apply to.
    private var exchange: ProxyExchange?
    /// The answer decided for the current head, when the gateway answers it itself.
    private var decidedAnswer: (answer: LocalAnswer, cors: ExchangeCORS?)?
    /// The current request's access-log record, from its head until its response ends.
    private var record: RequestRecord?
    /// The exchange's one deadline, and which timeout it is.
    private var deadline: LazyDeadline?
    private var deadlineKind = ConnectionActions.Deadline.clear
    /// `limits.bodyTimeoutMs` from the current request's head (SPEC §11), and its length.
    private var bodyDeadline: LazyDeadline?
    private var bodyTimeout = TimeAmount.seconds(60)
    private var deliveringPipelined = false
    private var clientAddressText: String?

    init(
        store: RouteTableStore, upstream: any UpstreamClient, telemetry: RequestTelemetry, headTimer: RequestHeadTimer?,
        decoder: NonUpgradingRequestDecoder? = nil, wire: Wire = .http1, scheme: String = "http"
    ) {
        // A reload's limits apply to connections opened after it.
        self.machine = ConnectionStateMachine(maxPipelinedRequests: store.current.limits.maxPipelinedRequests)
        self.store = store
        self.upstream = upstream
        self.telemetry = telemetry
        self.headTimer = headTimer
        self.decoder = decoder
        self.wire = wire
        self.scheme = scheme
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.deadline = LazyDeadline(eventLoop: context.eventLoop) { self.deadlineExpired() }
        self.bodyDeadline = LazyDeadline(eventLoop: context.eventLoop) { self.bodyDeadlineExpired() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.deadline?.stop()
        self.deadline = nil  // its callback holds this handler
        self.bodyDeadline?.stop()
        self.bodyDeadline = nil
        self.context = nil
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = self.unwrapInboundIn(data)
        if self.decoder?.decoded(part) == .headBytesLost {
            // Nothing this connection sends after the head can be used; 400 and close.
            self.execute(self.machine.parseError(.invalidHeaderToken), context: context)
            self.deliverPipelined(context: context)
            return
        }
        if case .handle(let part) = self.machine.partArrived(part) {
            self.handle(part, context: context)
        }
        self.deliverPipelined(context: context)
    }

    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            self.headTimer?.headReceived()
            self.receivedHead(head, context: context)
        case .body(let buffer):
            self.record?.requestBodyBytes += buffer.readableBytes
            self.execute(self.machine.requestBody(count: buffer.readableBytes), body: buffer, context: context)
        case .end:
            self.execute(self.machine.requestEnd(), context: context)
        }
    }

    /// Hands waiting parts over in order for as long as the connection can take them, then
    /// reads again. Called at the end of every entry point that may have ended an exchange.
    private func deliverPipelined(context: ChannelHandlerContext) {
        guard !self.deliveringPipelined else { return }
        self.deliveringPipelined = true
        defer { self.deliveringPipelined = false }
        while true {
            switch self.machine.next() {
            case .part(let part): self.handle(part, context: context)
            case .parseError(let actions): self.execute(actions, context: context)
            case .read:
                context.read()
                return
            case .nothing:
                return
            }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            self.execute(self.machine.outboundDrained(), context: context)
            self.deliverPipelined(context: context)
        } else {
            self.execute(self.machine.outboundBacklogged(), context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.execute(self.machine.channelInactive(), context: context)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let drain = event as? DrainEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        switch drain {
        case .finishCurrentExchange:
            self.execute(self.machine.drainStarted(sawPartialHead: self.headTimer?.sawPartialHead ?? false), context: context)
        case .deadlineReached:
            self.execute(self.machine.drainDeadlineReached(), context: context)
        }
        self.deliverPipelined(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Parse errors arrive here from the decoder; the connection cannot continue after one.
        guard let parserError = error as? HTTPParserError else {
            context.close(promise: nil)
            return
        }
        self.execute(self.machine.parseError(parserError), context: context)
        self.deliverPipelined(context: context)
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        self.execute(self.machine.read(), context: context)
    }

    // MARK: Request head

    private func receivedHead(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        var head = head
        // HTTP/2 may split Cookie into several fields; HTTP/1.1 backends expect one (RFC 9113 §8.2.3).
        if self.wire == .http2 { head.headers = HTTP2ResponseParts.joiningCookies(head.headers) }
        let snapshot = self.store.current
        let limits = snapshot.limits
        let scan = RequestHeadScan(head.headers)
        let requestId = RequestID.resolve(clientValue: scan.requestId)
        let (path, query) = RequestHeadCheck.splitTarget(head.uri)
        self.record = RequestRecord(started: .now(), requestId: requestId, method: head.method.rawValue, path: path)
        if head.version != .http1_1 { self.record?.protocolName = head.version.major == 2 ? "HTTP/2" : "HTTP/1.0" }
        let disposition = self.route(head, scan: scan, snapshot: snapshot, path: path, query: query, requestId: requestId, context: context)
        self.bodyTimeout = .milliseconds(Int64(limits.bodyTimeoutMs))
        self.execute(
            self.machine.requestHead(disposition, keepAlive: head.isKeepAlive, maxBodyBytes: limits.maxRequestBodyBytes),
            context: context)
    }

    /// Decides what the head gets: a local answer (kept in `decidedAnswer`), or a transfer
    /// (its request kept in the exchange). `path` is the target's, as received.
    private func route(
        _ head: HTTPRequestHead, scan: RequestHeadScan, snapshot: GatewaySnapshot, path: String, query: String?,
        requestId: String, context: ChannelHandlerContext
    ) -> ConnectionStateMachine.HeadDisposition {
        let limits = snapshot.limits
        self.decidedAnswer = nil
        func answer(_ error: GatewayError, cors: ExchangeCORS?, close: Bool) -> ConnectionStateMachine.HeadDisposition {
            self.decidedAnswer = (.error(error, requestId: requestId), cors)
            return .answerLocally(close: close)
        }
        func unrouted(_ error: GatewayError, close: Bool) -> ConnectionStateMachine.HeadDisposition {
            self.exchange = ProxyExchange(
                route: nil, headerRules: nil, cors: nil, requestId: requestId, version: head.version, method: head.method, limits: limits)
            return answer(error, cors: nil, close: close)
        }
        if let refused = RequestHeadCheck.refusedMethod(head) {
            // The decoder reads nothing after a CONNECT: what follows was meant for a tunnel.
            return unrouted(refused, close: head.method == .CONNECT)
        }
        if let problem = RequestHeadCheck.malformation(head, scan) {
            return unrouted(problem, close: true)
        }
        if let problem = RequestHeadCheck.underscoreViolation(scan, limits: limits) {
            return unrouted(problem, close: true)
        }
        guard let path = RequestHeadCheck.routedPath(path, limits: limits) else {
            return unrouted(.badRequest, close: true)
        }
        let route = snapshot.routes.match(host: scan.host, path: path, method: scan.routingMethod(head.method))
        let preflight = route.flatMap { scan.isCORSPreflight(method: head.method) ? EdgePreflight(route: $0, requestHeaders: head.headerLines) : nil }
        let cors = preflight?.cors ?? ExchangeCORS(policy: route.map { $0.cors } ?? snapshot.routes.defaultCORS, head: head, isPreflight: false)
        self.record?.route = route?.name ?? ""
        self.record?.cors = preflight?.outcome ?? cors?.outcome(preflight: nil) ?? .none
        let rules = route.map { BackendHeaderRules(runtime: snapshot.runtimes.version(of: $0.backend.name)) }
        let exchange = ProxyExchange(
            route: route, headerRules: rules, cors: cors, requestId: requestId, version: head.version, method: head.method, limits: limits)
        self.exchange = exchange
        if let problem = RequestHeadCheck.limitViolation(scan, limits: limits) {
            return answer(problem, cors: cors, close: true)
        }
        guard let route, let rules else {
            return answer(.noRoute, cors: cors, close: false)
        }
        if let preflight, preflight.answersAtEdge {
            self.decidedAnswer = (preflight.answer(requestId: requestId), nil)
            return .answerLocally(close: false)
        }
        let framing = self.wire == .http2 ? RequestHeadCheck.http2BodyFraming(scan, method: head.method) : RequestHeadCheck.bodyFraming(scan)
        if case .known(let length) = framing, length > limits.maxRequestBodyBytes {
            return answer(.bodyTooLarge, cors: cors, close: true)
        }
        let forwarding = ForwardingContext(
            clientAddress: self.clientAddress(context),
            scheme: self.scheme,
            host: scan.host,
            requestId: requestId
        )
        // HEAD goes as HEAD whatever body framing the client sent (SPEC §11); its body is discarded.
        let forwardsBody = framing != .none && head.method != .HEAD
        let (request, stripped) = UpstreamRequestBuilder.build(
            head: head, path: path, query: query, route: route, rules: rules,
            context: forwarding, framing: forwardsBody ? framing : .none, limits: limits,
            dropsUnderscoreNames: scan.hasUnderscoreName && limits.underscoreHeaders == .drop
        )
        self.telemetry.headersStripped(stripped, backend: route.backend.name)
        exchange.request = request
        return .proxy(forwardsBody: forwardsBody, expectsContinue: scan.expectsContinue)
    }

    /// The client's address as `X-Forwarded-For` carries it, formatted once per connection (once
    /// per request it cost 0.5% of a proxied GET).
    private func clientAddress(_ context: ChannelHandlerContext) -> String {
        if let clientAddressText { return clientAddressText }
        let text = context.channel.remoteAddress?.ipAddress ?? ""
        self.clientAddressText = text
        return text
    }

    // MARK: Executing actions

    /// Runs one event's actions in `ConnectionActions`' order. `body` is the request or response
    /// body part the event carried; `head` the response head it carried.
    private func execute(
        _ actions: ConnectionActions, body: ByteBuffer? = nil, head: ClientResponseHead? = nil, context: ChannelHandlerContext
    ) {
        if let upstream = actions.upstream { self.executeUpstream(upstream, body: body, context: context) }
        if let write = actions.write {
            self.executeWrite(write, body: body, head: head, record: actions.record, context: context)
        } else if let record = actions.record {
            self.finishRecord(completed: record == .completed)
        }
        if let deadline = actions.deadline { self.arm(deadline) }
        switch actions.bodyDeadline {
        case .arm?: self.bodyDeadline?.set(after: self.bodyTimeout)
        case .clear?: self.bodyDeadline?.clear()
        case nil: break
        }
        if actions.read { context.read() }
        switch actions.connection {
        case .closeAfterWrites?:
            // Closing fails writes still queued: close once the last one is out.
            let written: EventLoopFuture<Void>
            switch self.wire {
            case .http1: written = context.writeAndFlush(self.wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)))
            case .http2:
                // Closing a stream whose response ended resets only what the client still sends.
                context.flush()
                written = self.responseEnded ?? context.eventLoop.makeSucceededVoidFuture()
            }
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        case .abort?:
            context.flush()
            context.close(promise: nil)
        case nil:
            break
        }
        if actions.exchangeEnded { self.headTimer?.exchangeFinished() }
    }

    private func executeUpstream(_ action: ConnectionActions.Upstream, body: ByteBuffer?, context: ChannelHandlerContext) {
        guard let exchange = self.exchange else { return }
        switch action {
        case .start:
            guard let request = exchange.request else { return }
            exchange.request = nil
            self.record?.upstreamStarted = .now()
            exchange.transfer = self.upstream.startTransfer(request, on: context.eventLoop, delegate: self)
        case .forwardBody:
            if let body, let transfer = exchange.transfer, !transfer.appendRequestBody(body) {
                self.machine.uploadBufferFull()
            }
        case .finishBody:
            exchange.transfer?.finishRequestBody()
        case .cancel:
            exchange.transfer?.cancel()
            self.record?.upstreamEnded = .now()
        }
    }

    /// `record` is finished before the response's last bytes go out: a client that reads them
    /// may send its next request, and that one's line must come after this one's.
    private func executeWrite(
        _ write: ConnectionActions.Write, body: ByteBuffer?, head: ClientResponseHead?, record: ConnectionActions.Record?,
        context: ChannelHandlerContext
    ) {
        switch write {
        case .localAnswer(let kind, let close):
            self.writeLocalAnswer(kind, close: close, record: record, context: context)
        case .interimContinue:
            // The client waits for this before sending its body (curl: up to 1 s). The body
            // streams upstream, so the gateway answers the expectation itself.
            switch self.wire {
            case .http1:
                var interim = context.channel.allocator.buffer(capacity: 32)
                ResponseWire.writeHead(status: 100, version: self.exchange?.version ?? .http1_1, lines: [], requestMethod: nil, into: &interim)
                context.writeAndFlush(self.wrapOutboundOut(interim), promise: nil)
            case .http2:
                context.writeAndFlush(NIOAny(HTTP2ResponseParts.head(status: 100, lines: [])), promise: nil)
            }
        case .head(let close):
            guard let head, let exchange = self.exchange else { return }
            var lines = head.lines
            if close {
                lines.append(("Connection", "close"))
            } else if exchange.version == .http1_0 {
                lines.append(("Connection", "keep-alive"))
            }
            self.record?.status = head.status
            switch self.wire {
            case .http1:
                var buffer = context.channel.allocator.buffer(capacity: 1024)
                ResponseWire.writeHead(status: head.status, version: exchange.version, lines: lines, requestMethod: exchange.method, into: &buffer)
                context.write(self.wrapOutboundOut(buffer), promise: nil)
            case .http2:
                context.write(NIOAny(HTTP2ResponseParts.head(status: head.status, lines: lines)), promise: nil)
            }
        case .body(let chunked):
            guard let body, let transfer = self.exchange?.transfer else { return }
            let count = body.readableBytes
            guard count > 0 else { return }
            self.record?.responseBodyBytes += count
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.assumeIsolated().whenComplete { _ in transfer.responseBytesWritten(count) }
            if self.wire == .http2 {
                context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: written)
            } else if chunked {
                // Writes complete in order: the last one's promise covers the chunk.
                context.write(self.wrapOutboundOut(ResponseWire.chunkPrefix(count: count, allocator: context.channel.allocator)), promise: nil)
                context.write(self.wrapOutboundOut(body), promise: nil)
                context.write(self.wrapOutboundOut(ResponseWire.chunkSuffix), promise: written)
            } else {
                context.write(self.wrapOutboundOut(body), promise: written)
            }
        case .dropBody:
            if let body { self.exchange?.transfer?.responseBytesWritten(body.readableBytes) }
        case .end(let lastChunk):
            // Only the upstream's events end a response this way; their batch ends with a flush.
            if let record { self.finishRecord(completed: record == .completed) }
            switch self.wire {
            case .http1:
                if lastChunk { context.write(self.wrapOutboundOut(ResponseWire.lastChunk), promise: nil) }
            case .http2:
                let ended = context.eventLoop.makePromise(of: Void.self)
                context.write(NIOAny(HTTPServerResponsePart.end(nil)), promise: ended)
                self.responseEnded = ended.futureResult
            }
        }
    }

    /// Writes a complete local answer (head and body in one buffer, one write), with the
    /// exchange's CORS headers when it has any.
    private func writeLocalAnswer(
        _ kind: ConnectionActions.LocalAnswer, close: Bool, record: ConnectionActions.Record?, context: ChannelHandlerContext
    ) {
        var answer: LocalAnswer
        var cors: ExchangeCORS?
        let method: HTTPMethod?
        let version: HTTPVersion
        switch kind {
        case .decided:
            guard let decided = self.decidedAnswer else { return }
            (answer, cors) = decided
            self.decidedAnswer = nil
            (method, version) = (self.exchange?.method, self.exchange?.version ?? .http1_1)
        case .error(let error):
            let requestId = self.exchange?.requestId ?? RequestID.generate()
            answer = .error(error, requestId: requestId)
            cors = self.exchange?.cors
            (method, version) = (self.exchange?.method, self.exchange?.version ?? .http1_1)
        case .parseError(let error):
            let requestId = RequestID.generate()
            answer = .error(error == .headerOverflow ? .headersTooLarge : .badRequest, requestId: requestId)
            self.record = RequestRecord(started: .now(), requestId: requestId, method: "-", path: "-")
            self.headTimer?.headReceived()
            (method, version) = (nil, .http1_1)
        }
        if let cors { answer.headers = cors.apply(to: answer.headers) }
        self.record?.status = answer.status
        self.record?.responseBodyBytes += answer.body?.readableBytes ?? 0
        if self.wire == .http2 {
            self.writeLocalAnswerParts(answer, method: method, record: record, context: context)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 512 + (answer.body?.readableBytes ?? 0))
        let framing = ResponseWire.writeHead(
            status: answer.status, version: version, lines: answer.headers, closing: answer.closingLines(close: close),
            requestMethod: method, into: &buffer)
        if var body = answer.body, framing != .suppressed {
            buffer.writeBuffer(&body)
        }
        if let record { self.finishRecord(completed: record == .completed) }
        context.writeAndFlush(self.wrapOutboundOut(buffer), promise: nil)
    }

    /// A local answer on an HTTP/2 stream: head, body (none for HEAD), end.
    private func writeLocalAnswerParts(
        _ answer: LocalAnswer, method: HTTPMethod?, record: ConnectionActions.Record?, context: ChannelHandlerContext
    ) {
        let closing = answer.closingLines(close: false)
        context.write(NIOAny(HTTP2ResponseParts.head(status: answer.status, lines: answer.headers, closing: closing)), promise: nil)
        if let body = answer.body, method != .HEAD, body.readableBytes > 0 {
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil)
        }
        if let record { self.finishRecord(completed: record == .completed) }
        let ended = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: ended)
        self.responseEnded = ended.futureResult
    }

    private func arm(_ deadline: ConnectionActions.Deadline) {
        self.deadlineKind = deadline
        guard let exchange = self.exchange else {
            self.deadline?.clear()
            return
        }
        switch deadline {
        case .response: self.deadline?.set(after: exchange.responseTimeout)
        case .idle: self.deadline?.set(after: exchange.idleTimeout)
        case .clear: self.deadline?.clear()
        }
    }

    private func deadlineExpired() {
        switch self.deadlineKind {
        case .response:
            self.timedOut(self.machine.responseTimedOut(), error: .upstreamTimeout,
                          detail: "no response head within \((self.exchange?.responseTimeout.nanoseconds ?? 0) / 1_000_000) ms")
        case .idle:
            self.timedOut(self.machine.idleTimedOut(), error: .upstreamTimeout,
                          detail: "no body byte moved within \((self.exchange?.idleTimeout.nanoseconds ?? 0) / 1_000_000) ms")
        case .clear:
            return
        }
    }

    private func bodyDeadlineExpired() {
        self.timedOut(self.machine.bodyTimedOut(), error: .bodyTimeout,
                      detail: "the request body did not arrive within \(self.bodyTimeout.nanoseconds / 1_000_000) ms")
    }

    /// Carries out a timeout's actions; a transfer it cancels is logged as a fault (`error`
    /// when a local answer went out, `aborted` otherwise).
    private func timedOut(
        _ event: @autoclosure () -> ConnectionActions, error: GatewayError, detail: @autoclosure () -> String
    ) {
        guard let context = self.context else { return }
        let actions = event()
        if actions.upstream == .cancel { self.upstreamFault(code: actions.write == nil ? "aborted" : error.code, detail: detail()) }
        self.execute(actions, context: context)
        self.deliverPipelined(context: context)
    }

    /// Logs and counts the current request. One that ended before any response head went out
    /// is recorded as 499, the status nginx uses for a request the client gave up on.
    private func finishRecord(completed: Bool) {
        guard var record = self.record else { return }
        self.record = nil
        record.completed = completed
        if record.status == 0 { record.status = 499 }
        self.telemetry.record(record)
    }

    private func upstreamFault(code: String, detail: String) {
        guard let exchange = self.exchange, let route = exchange.route else { return }
        self.telemetry.upstreamFault(
            code: code, detail: detail, route: route.name, backend: route.backend.name, requestId: exchange.requestId)
    }
}

// MARK: - Upstream events

extension ProxyHandler: UpstreamTransferDelegate {
    func upstreamTransfer(_ transfer: any UpstreamTransfer, received events: [UpstreamEvent]) {
        guard let context = self.context, let exchange = self.exchange, exchange.transfer === transfer, self.machine.upstreamActive
        else {
            transfer.discard(events)  // the exchange is over: nothing more goes to the client
            return
        }
        for (index, event) in events.enumerated() {
            guard self.machine.upstreamActive else {
                transfer.discard(Array(events[index...]))
                break
            }
            self.handle(event, from: transfer, of: exchange, context: context)
        }
        context.flush()
        self.deliverPipelined(context: context)
    }

    private func handle(_ event: UpstreamEvent, from transfer: any UpstreamTransfer, of exchange: ProxyExchange, context: ChannelHandlerContext) {
        switch event {
        case .head(let upstreamHead):
            guard let route = exchange.route, let rules = exchange.headerRules else { return }
            let outcome = ClientResponseHead.build(
                from: upstreamHead, route: route, rules: rules, cors: exchange.cors, requestId: exchange.requestId,
                version: exchange.version, method: exchange.method, telemetry: self.telemetry)
            switch outcome {
            case .forward(let head):
                self.execute(self.machine.upstreamHead(framing: head.framing, mustClose: head.mustClose), head: head, context: context)
            case .cookieRejected:
                self.execute(self.machine.upstreamHeadRejected(.cookieRejected), context: context)
            }
        case .body(let buffer):
            let actions = self.machine.upstreamBody(count: buffer.readableBytes)
            if actions.write == nil { transfer.discard([event]) }
            self.execute(actions, body: buffer, context: context)
        case .end:
            self.record?.upstreamEnded = .now()
            self.execute(self.machine.upstreamEnd(), context: context)
        case .failed(let failure):
            self.record?.upstreamEnded = .now()
            let error: GatewayError
            let detail: String
            switch failure {
            case .unavailable(let message): (error, detail) = (.upstreamUnavailable, message)
            case .invalidResponse(let message): (error, detail) = (.upstreamInvalidResponse, message)
            case .busy(let message): (error, detail) = (.upstreamBusy, message)
            }
            let actions = self.machine.upstreamFailed(error)
            self.upstreamFault(code: actions.write == nil ? "aborted" : error.code, detail: detail)
            self.execute(actions, context: context)
        case .uploadCanResume:
            self.execute(self.machine.uploadCanResume(), context: context)
        }
    }
}
