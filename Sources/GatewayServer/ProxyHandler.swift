import CORSPolicy
import CookiePolicy
import CurlEngine
import Foundation
import GatewayConfig
import GatewayPolicy
import NIOCore
import NIOHTTP1

/// One client connection's exchanges: reads a request head, answers it locally or starts a
/// curl transfer to the matched route's backend, streams the request body up and the response
/// body down with credit-based backpressure, and maps upstream failures to SPEC §7.
///
/// Pipelined requests (HTTP/1.1 §9.3.2) are answered in order: parts that arrive while an
/// earlier request is complete but its response is still going out wait in `pipelined`, and
/// reads stop until they are delivered. Reads are not held while a response is pending and
/// nothing waits: NIO's `HTTPServerPipelineHandler` did that, which cost two `epoll_ctl` calls
/// per proxied request.
final class ProxyHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case idle
        case proxying(ProxyExchange)
        /// The response is complete; the rest of the request body is read and discarded.
        case awaitingRequestEnd
        case closed
    }

    private let store: RouteTableStore
    private let engine: CurlEngine
    private let telemetry: RequestTelemetry
    private let headTimer: RequestHeadTimer
    private var state = State.idle
    /// The current request's access-log record, from its head until its response ends.
    private var record: RequestRecord?
    /// Shutting down: the current exchange finishes, then the connection closes.
    private var draining = false
    private var context: ChannelHandlerContext?
    /// The current exchange's wait for its response head (the backend's `responseTimeoutMs`).
    private var responseDeadline: LazyDeadline?
    /// Client reads are held while the upload buffer is full.
    private var readsHeld = false
    private var readPending = false
    /// The current request's method, which decides whether its response may have a body.
    private var requestMethod: HTTPMethod?
    /// How the body of the response under way is framed.
    private var bodyFraming = ResponseWire.BodyFraming.identity
    /// What arrived for later requests while the current exchange's response is under way.
    private var pipelined = CircularBuffer<PipelinedEvent>()
    private var deliveringPipelined = false

    private enum PipelinedEvent {
        case part(HTTPServerRequestPart)
        case parseError(HTTPParserError)
    }

    init(store: RouteTableStore, engine: CurlEngine, telemetry: RequestTelemetry, headTimer: RequestHeadTimer) {
        self.store = store
        self.engine = engine
        self.telemetry = telemetry
        self.headTimer = headTimer
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.responseDeadline = LazyDeadline(eventLoop: context.eventLoop) { self.responseTimedOut() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.responseDeadline?.stop()
        self.responseDeadline = nil  // its callback holds this handler
        self.context = nil
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .closed = self.state { return }  // closing: nothing more is answered
        let part = self.unwrapInboundIn(data)
        if !self.pipelined.isEmpty || self.currentRequestIsComplete {
            self.pipelined.append(.part(part))
            return
        }
        self.handle(part, context: context)
        self.deliverPipelined(context: context)
    }

    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            self.headTimer.headReceived()
            self.receivedHead(head, context: context)
        case .body(let buffer):
            self.receivedBody(buffer, context: context)
        case .end:
            self.receivedEnd(context: context)
        }
    }

    /// The current exchange has its whole request and is still answering it: anything that
    /// arrives now belongs to a later request.
    private var currentRequestIsComplete: Bool {
        if case .proxying(let exchange) = self.state { return exchange.requestEnded }
        return false
    }

    /// Hands waiting parts over in order for as long as the connection can take them, then
    /// reads again. Called at the end of every entry point that may have ended an exchange.
    private func deliverPipelined(context: ChannelHandlerContext) {
        guard !self.pipelined.isEmpty, !self.deliveringPipelined else { return }
        self.deliveringPipelined = true
        defer { self.deliveringPipelined = false }
        while !self.pipelined.isEmpty, !self.currentRequestIsComplete {
            if case .closed = self.state {
                self.pipelined.removeAll()  // the connection is closing: later requests go unanswered
                return
            }
            switch self.pipelined.removeFirst() {
            case .part(let part): self.handle(part, context: context)
            case .parseError(let error): self.answerParseError(error, context: context)
            }
        }
        if self.pipelined.isEmpty, !self.readsHeld, self.readPending {
            self.readPending = false
            context.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .proxying(let exchange) = self.state {
            self.stopUpstream(exchange)  // client gone: free the easy handle and connection
        }
        self.finishRecord(completed: false)
        self.state = .closed
        self.pipelined.removeAll()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let drain = event as? DrainEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        switch drain {
        case .finishCurrentExchange:
            self.draining = true
            switch self.state {
            case .idle where !self.headTimer.sawPartialHead:
                self.state = .closed
                context.close(promise: nil)
            case .proxying(let exchange):
                exchange.keepAlive = false  // the response says `Connection: close` when its head is still to come
            case .idle, .awaitingRequestEnd, .closed:
                break
            }
        case .deadlineReached:
            if case .proxying(let exchange) = self.state, !exchange.responseHeadSent, !exchange.upstreamFinished {
                self.stopUpstream(exchange)
                self.answerLocally(.error(.draining, requestId: exchange.requestId), cors: exchange.cors, version: exchange.version, requestEnded: exchange.requestEnded, close: true, context: context)
            } else if case .closed = self.state {
                return
            } else {
                self.abort(context: context)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Parse errors arrive here from the decoder; the connection cannot continue after one.
        guard let parserError = error as? HTTPParserError else {
            self.abort(context: context)
            return
        }
        if !self.pipelined.isEmpty || self.currentRequestIsComplete {
            self.pipelined.append(.parseError(parserError))  // answered after the responses before it
            return
        }
        self.answerParseError(parserError, context: context)
    }

    private func answerParseError(_ parserError: HTTPParserError, context: ChannelHandlerContext) {
        guard case .idle = self.state else {
            self.abort(context: context)
            return
        }
        let code: GatewayError = parserError == .headerOverflow ? .headersTooLarge : .badRequest
        self.headTimer.headReceived()
        let requestId = RequestID.generate()
        self.requestMethod = nil
        self.record = RequestRecord(started: .now(), requestId: requestId, method: "-", path: "-")
        self.answerLocally(.error(code, requestId: requestId), cors: nil, version: .http1_1, requestEnded: true, close: true, context: context)
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        if self.readsHeld || !self.pipelined.isEmpty {
            self.readPending = true
        } else {
            context.read()
        }
    }

    // MARK: Request head

    private func receivedHead(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let snapshot = self.store.current
        let limits = snapshot.limits
        let scan = RequestHeadScan(head.headers)
        let requestId = RequestID.resolve(clientValue: scan.requestId)
        let keepAlive = head.isKeepAlive && !self.draining
        let (path, query) = RequestHeadCheck.splitTarget(head.uri)
        self.requestMethod = head.method
        self.record = RequestRecord(started: .now(), requestId: requestId, method: head.method.rawValue, path: path)

        if let problem = RequestHeadCheck.malformation(head, scan) {
            self.answerLocally(.error(problem, requestId: requestId), cors: nil, version: head.version, requestEnded: false, close: true, context: context)
            return
        }
        let host = scan.host
        let route = snapshot.routes.match(host: host, path: path, method: scan.routingMethod(head.method))
        let cors = ExchangeCORS(
            policy: route.map { $0.cors } ?? snapshot.routes.defaultCORS,
            head: head,
            isPreflight: route != nil && scan.isCORSPreflight(method: head.method)
        )
        let preflight = cors.flatMap { $0.isPreflight ? $0.preflightDecision() : nil }
        self.record?.route = route?.name ?? ""
        self.record?.cors = cors?.outcome(preflight: preflight) ?? .none
        if let problem = RequestHeadCheck.limitViolation(scan, limits: limits) {
            self.answerLocally(.error(problem, requestId: requestId), cors: cors, version: head.version, requestEnded: false, close: true, context: context)
            return
        }
        guard let route else {
            self.answerLocally(.error(.noRoute, requestId: requestId), cors: cors, version: head.version, requestEnded: false, close: !keepAlive, context: context)
            return
        }
        if let cors, let decision = preflight, cors.answersAtEdge(decision) {
            let answer = LocalAnswer(status: decision.status, headers: decision.headers, body: nil, requestId: requestId)
            self.answerLocally(answer, cors: nil, version: head.version, requestEnded: false, close: !keepAlive, context: context)
            return
        }
        let framing = RequestHeadCheck.bodyFraming(scan)
        if case .known(let length) = framing, length > limits.maxRequestBodyBytes {
            self.answerLocally(.error(.bodyTooLarge, requestId: requestId), cors: cors, version: head.version, requestEnded: false, close: true, context: context)
            return
        }
        let forwarding = ForwardingContext(
            clientAddress: context.channel.remoteAddress?.ipAddress ?? "",
            scheme: "http",
            host: host,
            requestId: requestId
        )
        let rules = BackendHeaderRules(runtime: snapshot.runtimes.version(of: route.backend.name))
        let (request, stripped) = UpstreamRequestBuilder.build(
            head: head, path: path, query: query, route: route, rules: rules,
            context: forwarding, framing: framing, limits: limits
        )
        self.telemetry.headersStripped(stripped, backend: route.backend.name)
        let exchange = ProxyExchange(
            route: route,
            headerRules: rules,
            cors: cors,
            requestId: requestId,
            version: head.version,
            keepAlive: keepAlive,
            maxRequestBodyBytes: limits.maxRequestBodyBytes,
            hasRequestBody: framing != .none
        )
        self.state = .proxying(exchange)
        self.record?.upstreamStarted = .now()
        exchange.transfer = self.engine.startTransfer(request, on: context.eventLoop, delegate: self)
        if framing != .none, scan.expectsContinue {
            // The client waits for this before sending its body (curl: up to 1 s). The body
            // streams upstream, so the gateway answers the expectation itself.
            var interim = context.channel.allocator.buffer(capacity: 32)
            ResponseWire.writeHead(status: 100, version: head.version, lines: [], requestMethod: nil, into: &interim)
            context.writeAndFlush(self.wrapOutboundOut(interim), promise: nil)
        }
        if framing == .none {
            // Nothing more to send: the backend's time to answer starts now.
            self.startResponseTimer(exchange, context: context)
        }
    }

    // MARK: Request body

    private func receivedBody(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        guard case .proxying(let exchange) = self.state else { return }  // answered already: discard
        exchange.requestBodyBytes += buffer.readableBytes
        self.record?.requestBodyBytes = exchange.requestBodyBytes
        if exchange.requestBodyBytes > exchange.maxRequestBodyBytes {
            self.requestBodyTooLarge(exchange, context: context)
            return
        }
        guard !exchange.upstreamFinished, let transfer = exchange.transfer else { return }
        if !transfer.appendRequestBody(buffer) {
            self.readsHeld = true
        }
    }

    private func receivedEnd(context: ChannelHandlerContext) {
        switch self.state {
        case .proxying(let exchange):
            exchange.requestEnded = true
            if exchange.upstreamFinished {
                self.finishExchangeIfDone(exchange, context: context)
            } else {
                exchange.transfer?.finishRequestBody()
                if exchange.hasRequestBody { self.startResponseTimer(exchange, context: context) }
            }
        case .awaitingRequestEnd:
            self.exchangeDone(close: self.draining, context: context)
        case .idle, .closed:
            break
        }
    }

    private func requestBodyTooLarge(_ exchange: ProxyExchange, context: ChannelHandlerContext) {
        self.stopUpstream(exchange)
        self.releaseHeldReads(context: context)  // keep draining so the 413 can be read
        if exchange.responseHeadSent {
            self.abort(context: context)
        } else {
            self.answerLocally(.error(.bodyTooLarge, requestId: exchange.requestId), cors: exchange.cors, version: exchange.version, requestEnded: false, close: true, context: context)
        }
    }

    // MARK: Timers

    private func startResponseTimer(_ exchange: ProxyExchange, context: ChannelHandlerContext) {
        guard !exchange.responseHeadSent, !exchange.upstreamFinished else { return }
        let timeout = TimeAmount.milliseconds(Int64(exchange.route.backend.responseTimeoutMs))
        self.responseDeadline?.set(after: timeout)
    }

    /// The deadline is cleared whenever an exchange stops waiting for its head, so an expiry
    /// always belongs to the current exchange.
    private func responseTimedOut() {
        guard let context = self.context, case .proxying(let exchange) = self.state,
            !exchange.responseHeadSent, !exchange.upstreamFinished
        else { return }
        self.stopUpstream(exchange)
        self.telemetry.upstreamFault(
            code: GatewayError.upstreamTimeout.code, detail: "no response head within \(exchange.route.backend.responseTimeoutMs) ms",
            route: exchange.route.name, backend: exchange.route.backend.name, requestId: exchange.requestId)
        self.answerLocally(.error(.upstreamTimeout, requestId: exchange.requestId), cors: exchange.cors, version: exchange.version, requestEnded: exchange.requestEnded, close: !exchange.keepAlive || !exchange.requestEnded, context: context)
        self.deliverPipelined(context: context)
    }

    // MARK: Ending exchanges

    private func finishExchangeIfDone(_ exchange: ProxyExchange, context: ChannelHandlerContext) {
        guard exchange.requestEnded, exchange.responseEnded else { return }
        self.exchangeDone(close: !exchange.keepAlive, context: context)
    }

    private func exchangeDone(close: Bool, context: ChannelHandlerContext) {
        if close {
            self.state = .closed
            context.close(promise: nil)
        } else {
            self.state = .idle
            self.headTimer.exchangeFinished()
        }
    }

    /// Writes a complete local answer, with the exchange's CORS headers when it has any.
    /// `close` ends the connection after it (and stops expecting the rest of the request body).
    private func answerLocally(
        _ answer: LocalAnswer,
        cors: ExchangeCORS?,
        version: HTTPVersion,
        requestEnded: Bool,
        close: Bool,
        context: ChannelHandlerContext
    ) {
        var answer = answer
        if let cors { answer.headers = cors.apply(to: answer.headers) }
        self.record?.status = answer.status
        self.record?.responseBodyBytes += answer.body?.readableBytes ?? 0
        // Head and body in one buffer, one write.
        var buffer = context.channel.allocator.buffer(capacity: 512 + (answer.body?.readableBytes ?? 0))
        self.bodyFraming = ResponseWire.writeHead(
            status: answer.status, version: version, lines: answer.headers, closing: answer.closingLines(close: close),
            requestMethod: self.requestMethod, into: &buffer)
        if var body = answer.body, self.bodyFraming != .suppressed {
            buffer.writeBuffer(&body)
        }
        self.bodyFraming = .identity  // framed by its Content-Length: nothing follows
        context.write(self.wrapOutboundOut(buffer), promise: nil)
        if !close && !requestEnded {
            self.state = .awaitingRequestEnd
        }
        self.writeResponseEnd(requestEnded: requestEnded, close: close, context: context)
    }

    /// Writes the end of the current response. The state moves on *before* the write, whose
    /// completion may run code that looks at it.
    private func writeResponseEnd(requestEnded: Bool, close: Bool, context: ChannelHandlerContext) {
        self.finishRecord(completed: true)
        let close = close || (self.draining && requestEnded)
        let end = self.bodyFraming == .chunked ? ResponseWire.lastChunk : context.channel.allocator.buffer(capacity: 0)
        self.bodyFraming = .identity
        if close {
            self.state = .closed
            // Closing fails writes still queued: close once the last one is out.
            context.writeAndFlush(self.wrapOutboundOut(end)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
            return
        }
        if requestEnded {
            self.state = .idle
            self.headTimer.exchangeFinished()
        }
        if end.readableBytes > 0 {
            context.writeAndFlush(self.wrapOutboundOut(end), promise: nil)
        } else {
            context.flush()
        }
    }

    /// Ends the connection without completing the response: the client must see a truncated
    /// message, never one that looks complete.
    private func abort(context: ChannelHandlerContext) {
        if case .proxying(let exchange) = self.state {
            self.stopUpstream(exchange)
        }
        self.finishRecord(completed: false)
        self.state = .closed
        context.close(promise: nil)
    }

    /// Cancels the exchange's transfer unless it already ended, and notes when the upstream side
    /// ended for the access log. Every way an exchange gives up on its backend goes through here.
    private func stopUpstream(_ exchange: ProxyExchange) {
        guard !exchange.upstreamFinished else { return }
        exchange.transfer?.cancel()
        exchange.upstreamFinished = true
        self.responseDeadline?.clear()
        self.record?.upstreamEnded = .now()
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

    private func releaseHeldReads(context: ChannelHandlerContext) {
        guard self.readsHeld else { return }
        self.readsHeld = false
        if self.readPending, self.pipelined.isEmpty {
            self.readPending = false
            context.read()
        }
    }
}

// MARK: - Upstream events

extension ProxyHandler: UpstreamTransferDelegate {
    func upstreamTransfer(_ transfer: any UpstreamTransfer, received events: [UpstreamEvent]) {
        guard let context = self.context, case .proxying(let exchange) = self.state,
            exchange.transfer === transfer, !exchange.upstreamFinished
        else {
            transfer.discard(events)  // the exchange is over: nothing more goes to the client
            return
        }
        defer { self.deliverPipelined(context: context) }  // the exchange may have ended
        for event in events {
            switch event {
            case .head(let head):
                self.responseDeadline?.clear()
                guard let responseHead = self.responseHead(head, exchange) else {
                    // A cookie the route's policy rejects: nothing of this response goes out.
                    self.stopUpstream(exchange)
                    self.releaseHeldReads(context: context)
                    self.answerLocally(.error(.cookieRejected, requestId: exchange.requestId), cors: exchange.cors, version: exchange.version, requestEnded: exchange.requestEnded, close: !exchange.keepAlive || !exchange.requestEnded, context: context)
                    return
                }
                exchange.responseHeadSent = true
                self.record?.status = responseHead.status
                var buffer = context.channel.allocator.buffer(capacity: 1024)
                self.bodyFraming = ResponseWire.writeHead(
                    status: responseHead.status, reason: responseHead.reason, version: exchange.version,
                    lines: responseHead.lines, requestMethod: self.requestMethod, into: &buffer)
                context.write(self.wrapOutboundOut(buffer), promise: nil)
            case .body(let buffer):
                let count = buffer.readableBytes
                guard self.bodyFraming != .suppressed, count > 0 else {
                    transfer.responseBytesWritten(count)  // nothing goes out, so nothing is buffered
                    continue
                }
                self.record?.responseBodyBytes += count
                let written = context.eventLoop.makePromise(of: Void.self)
                written.futureResult.assumeIsolated().whenComplete { _ in transfer.responseBytesWritten(count) }
                if self.bodyFraming == .chunked {
                    // Writes complete in order: the last one's promise covers the chunk.
                    context.write(self.wrapOutboundOut(ResponseWire.chunkPrefix(count: count, allocator: context.channel.allocator)), promise: nil)
                    context.write(self.wrapOutboundOut(buffer), promise: nil)
                    context.write(self.wrapOutboundOut(ResponseWire.chunkSuffix), promise: written)
                } else {
                    context.write(self.wrapOutboundOut(buffer), promise: written)
                }
            case .end:
                exchange.upstreamFinished = true
                exchange.responseEnded = true
                self.record?.upstreamEnded = .now()
                self.releaseHeldReads(context: context)  // drain any unsent request body
                self.writeResponseEnd(requestEnded: exchange.requestEnded, close: !exchange.keepAlive, context: context)
                return
            case .failed(let failure):
                exchange.upstreamFinished = true
                self.responseDeadline?.clear()
                self.record?.upstreamEnded = .now()
                self.releaseHeldReads(context: context)
                let code: GatewayError
                let detail: String
                switch failure {
                case .unavailable(let message): (code, detail) = (.upstreamUnavailable, message)
                case .invalidResponse(let message): (code, detail) = (.upstreamInvalidResponse, message)
                case .busy(let message): (code, detail) = (.upstreamUnavailable, message)
                }
                self.telemetry.upstreamFault(
                    code: exchange.responseHeadSent ? "aborted" : code.code, detail: detail,
                    route: exchange.route.name, backend: exchange.route.backend.name, requestId: exchange.requestId)
                if exchange.responseHeadSent {
                    context.flush()
                    self.abort(context: context)
                } else {
                    self.answerLocally(.error(code, requestId: exchange.requestId), cors: exchange.cors, version: exchange.version, requestEnded: exchange.requestEnded, close: !exchange.keepAlive || !exchange.requestEnded, context: context)
                }
                return
            case .uploadCanResume:
                self.releaseHeldReads(context: context)
            }
        }
        context.flush()
    }

    /// Rewrites every Set-Cookie line by the route's cookie policy (SPEC §6); malformed ones are
    /// dropped and counted. nil when a cookie is rejected (`overMaxAge: reject`).
    private func applyCookiePolicy(to lines: [(name: String, value: String)], route: CompiledRoute) -> [(name: String, value: String)]? {
        guard lines.contains(where: Self.isSetCookie) else { return lines }  // the common case: nothing to do
        var result: [(name: String, value: String)] = []
        result.reserveCapacity(lines.count)
        var rewritten = 0
        var dropped = 0
        let now = Int64(Date().timeIntervalSince1970)
        for line in lines {
            guard Self.isSetCookie(line) else {
                result.append(line)
                continue
            }
            switch route.cookies.rewrite(setCookie: line.value, now: now) {
            case .unchanged(let value):
                result.append((line.name, value))
            case .rewritten(let value):
                rewritten += 1
                result.append((line.name, value))
            case .dropped:
                dropped += 1
            case .rejected:
                return nil
            }
        }
        self.telemetry.cookies(rewritten: rewritten, dropped: dropped, route: route.name)
        return result
    }

    private static func isSetCookie(_ line: (name: String, value: String)) -> Bool {
        nameEquals(line.name, "set-cookie")
    }

    /// RFC 9110 §6.4.1: 1xx, 204 and 304 responses never carry a body.
    private static func mayHaveBody(status: Int) -> Bool {
        status >= 200 && status != 204 && status != 304
    }

    /// The client's response head, or nil when the route's cookie policy rejects a cookie.
    private func responseHead(_ upstream: UpstreamResponseHead, _ exchange: ProxyExchange) -> ClientResponseHead? {
        let filtered = exchange.headerRules.responseHeaders(
            backend: upstream.headers,
            requestId: exchange.requestId,
            routeEdits: exchange.route.responseHeaders
        )
        guard var lines = self.applyCookiePolicy(to: filtered.lines, route: exchange.route) else { return nil }
        if let cors = exchange.cors { lines = cors.apply(to: lines) }
        let hasLength = lines.contains { nameEquals($0.name, "content-length") }
        if !hasLength, Self.mayHaveBody(status: upstream.status) {
            if exchange.version == .http1_0 {
                exchange.keepAlive = false  // an HTTP/1.0 body without a length ends with the connection
            } else {
                lines.append(("Transfer-Encoding", "chunked"))  // curl de-chunked it; frame it again
            }
        }
        if !exchange.keepAlive {
            lines.append(("Connection", "close"))
        } else if exchange.version == .http1_0 {
            lines.append(("Connection", "keep-alive"))
        }
        return ClientResponseHead(status: upstream.status, reason: upstream.reason, lines: lines)
    }
}

/// A backend's response head as the client gets it.
struct ClientResponseHead {
    var status: Int
    var reason: String
    var lines: [(name: String, value: String)]
}
