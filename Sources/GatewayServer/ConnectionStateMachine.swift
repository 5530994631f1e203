import GatewayPolicy
import NIOCore
import NIOHTTP1

/// One client connection and the exchange it is answering, as a pure state machine: each
/// event returns the `ConnectionActions` that `ProxyHandler` executes, and nothing else decides
/// what happens next (SPEC §11: every exchange ends).
///
/// An exchange has two sides that end independently: the request (the client's body, read
/// until its end) and the response (the backend's or the gateway's own). It is over when both
/// are; the connection is then idle again (keep-alive) or closing. Reads held for upload
/// backpressure belong to the exchange, so leaving it always releases them. Parts of later
/// requests that arrive while an exchange has its whole request wait in `pipelined`, and reads
/// stop until they are delivered.
struct ConnectionStateMachine {
    enum State: Equatable {
        /// Waiting for a request head.
        case idle
        case exchange(Exchange)
        /// A close is decided: what was written goes out, nothing more is read or answered.
        case closing
        /// The channel is gone.
        case closed
    }

    struct Exchange: Equatable {
        enum Request: Equatable {
            /// Body parts are still to come; `readsHeld` while the upload buffer is full.
            case receiving(readsHeld: Bool)
            case complete
        }

        enum Response: Equatable {
            /// The transfer runs and no head has come (a local answer never waits).
            case awaitingHead
            /// The backend's head went out; its body follows framed this way.
            case streaming(ResponseWire.BodyFraming)
            /// The response is complete and the transfer, if any, is over.
            case complete
        }

        var request: Request
        var response: Response
        /// Whether the client's body goes upstream (false for HEAD and local answers: discarded).
        var forwardsBody: Bool
        var keepAlive: Bool
        var bodyBytes = 0
        let maxBodyBytes: Int

        /// The transfer is running: every response state but `complete` has one.
        var upstreamActive: Bool { self.response != .complete }
    }

    /// What the handler decided a request head gets.
    enum HeadDisposition: Equatable {
        /// The gateway answers it itself (an error, a preflight at the edge); `close` when the
        /// connection cannot carry another request after it.
        case answerLocally(close: Bool)
        /// A transfer to the route's backend; `forwardsBody` is false for HEAD, whose body is
        /// read and discarded. `expectsContinue` asks for a `100 Continue` first.
        case proxy(forwardsBody: Bool, expectsContinue: Bool)
    }

    enum Pipelined {
        case part(HTTPServerRequestPart)
        case parseError(HTTPParserError)
    }

    /// What a part arriving from the decoder is for.
    enum Arrival {
        /// Handle it now.
        case handle(HTTPServerRequestPart)
        /// It belongs to a later request (queued) or to no request (dropped).
        case none
    }

    /// What to do after an exchange ended or a hold was released.
    enum Next {
        case part(HTTPServerRequestPart)
        /// A queued parse error's turn came: its answer.
        case parseError(ConnectionActions)
        /// Nothing waits: ask the channel for more bytes.
        case read
        case nothing
    }

    private(set) var state = State.idle
    private(set) var pipelined = CircularBuffer<Pipelined>()
    /// Request heads in `pipelined`: at `maxPipelinedRequests` the connection stops reading.
    private(set) var queuedRequests = 0
    /// A parse error waits in `pipelined`: nothing the decoder could still send is usable.
    private var queuedParseError = false
    /// `limits.maxPipelinedRequests` (SPEC §11) when the connection opened.
    let maxPipelinedRequests: Int
    /// The channel asked to read while reads were held.
    private(set) var readPending = false
    private(set) var draining = false
    /// The channel holds more response bytes than the client has taken (its write buffer is
    /// past the high water mark): no further request is read or started until it drains, so a
    /// client that pipelines without reading cannot grow the gateway's memory (SPEC §11).
    private(set) var clientBacklogged = false

    init(maxPipelinedRequests: Int = 16) {
        self.maxPipelinedRequests = maxPipelinedRequests
    }

    // MARK: Client side

    /// A part from the decoder.
    mutating func partArrived(_ part: HTTPServerRequestPart) -> Arrival {
        switch self.state {
        case .closing, .closed:
            return .none
        case .idle, .exchange:
            if !self.pipelined.isEmpty || self.requestComplete || self.waitingForClient {
                self.enqueue(.part(part))
                return .none
            }
            return .handle(part)
        }
    }

    /// The decoder failed; the connection cannot continue after the error.
    mutating func parseError(_ error: HTTPParserError) -> ConnectionActions {
        switch self.state {
        case .closing, .closed:
            return .none
        case .idle, .exchange:
            if !self.pipelined.isEmpty || self.requestComplete {
                self.enqueue(.parseError(error))  // answered after the responses before it
                return .none
            }
            return self.deliverParseError(error)
        }
    }

    private mutating func deliverParseError(_ error: HTTPParserError) -> ConnectionActions {
        switch self.state {
        case .idle:
            self.state = .closing
            return ConnectionActions(write: .localAnswer(.parseError(error), close: true), record: .completed, connection: .closeAfterWrites)
        case .exchange(let exchange) where exchange.response == .awaitingHead:
            // A body that turned malformed before any response head went out.
            return self.answerInsteadOfUpstream(exchange, error: .badRequest, cancel: true)
        case .exchange, .closing, .closed:
            return self.abort()
        }
    }

    mutating func requestHead(_ disposition: HeadDisposition, keepAlive clientKeepAlive: Bool, maxBodyBytes: Int) -> ConnectionActions {
        guard case .idle = self.state else {
            preconditionFailure("a request head arrived during \(self.state)")
        }
        let keepAlive = clientKeepAlive && !self.draining
        switch disposition {
        case .answerLocally(let close):
            let close = close || !keepAlive
            if close {
                self.state = .closing
                return ConnectionActions(write: .localAnswer(.decided, close: true), record: .completed, connection: .closeAfterWrites)
            }
            self.state = .exchange(Exchange(
                request: .receiving(readsHeld: false), response: .complete, forwardsBody: false,
                keepAlive: true, maxBodyBytes: maxBodyBytes))
            // The rest of the request (usually just its end) is read and discarded, in time.
            return ConnectionActions(
                write: .localAnswer(.decided, close: false), record: .completed, deadline: .idle, bodyDeadline: .arm)
        case .proxy(let forwardsBody, let expectsContinue):
            self.state = .exchange(Exchange(
                request: .receiving(readsHeld: false), response: .awaitingHead, forwardsBody: forwardsBody,
                keepAlive: keepAlive, maxBodyBytes: maxBodyBytes))
            // Without a body to send, the backend's time to answer starts now.
            return ConnectionActions(
                upstream: .start, write: expectsContinue && forwardsBody ? .interimContinue : nil,
                deadline: forwardsBody ? .idle : .response, bodyDeadline: .arm)
        }
    }

    mutating func requestBody(count: Int) -> ConnectionActions {
        guard case .exchange(var exchange) = self.state, case .receiving = exchange.request else { return .none }
        exchange.bodyBytes += count
        self.state = .exchange(exchange)
        if exchange.bodyBytes > exchange.maxBodyBytes, exchange.upstreamActive {
            switch exchange.response {
            case .awaitingHead:
                self.state = .closing
                return ConnectionActions(
                    upstream: .cancel, write: .localAnswer(.error(.bodyTooLarge), close: true), record: .completed,
                    deadline: .clear, connection: .closeAfterWrites)
            case .streaming, .complete:
                return self.abort()
            }
        }
        guard exchange.forwardsBody, exchange.upstreamActive else { return .none }  // discarded
        // Bytes moving either way keep the exchange alive: a backend may send its head early
        // and its body only once the upload is done.
        return ConnectionActions(upstream: .forwardBody, deadline: .idle)
    }

    /// The transfer's upload buffer is full: reads stop until `uploadCanResume`.
    mutating func uploadBufferFull() {
        guard case .exchange(var exchange) = self.state, case .receiving = exchange.request, exchange.upstreamActive else { return }
        exchange.request = .receiving(readsHeld: true)
        self.state = .exchange(exchange)
    }

    mutating func requestEnd() -> ConnectionActions {
        guard case .exchange(var exchange) = self.state, case .receiving = exchange.request else { return .none }
        exchange.request = .complete
        self.state = .exchange(exchange)
        switch exchange.response {
        case .complete:
            return self.exchangeOver(exchange, after: ConnectionActions(bodyDeadline: .clear))
        case .awaitingHead:
            // The read that carried the end may have come in while reads were held: with the
            // request complete nothing holds them any more.
            return ConnectionActions(
                upstream: exchange.forwardsBody ? .finishBody : nil, deadline: exchange.forwardsBody ? .response : nil,
                bodyDeadline: .clear, read: self.takePendingRead())
        case .streaming:
            return ConnectionActions(
                upstream: exchange.forwardsBody ? .finishBody : nil, bodyDeadline: .clear, read: self.takePendingRead())
        }
    }

    /// The channel wants to read.
    mutating func read() -> ConnectionActions {
        if self.readsHeld || self.pipelineFull || self.waitingForClient {
            self.readPending = true
            return .none
        }
        return ConnectionActions(read: true)
    }

    /// What the handler does next once an event's actions ran: hand over a waiting part, or
    /// read again.
    mutating func next() -> Next {
        switch self.state {
        case .closing, .closed:
            self.clearQueue()  // the connection is closing: later requests go unanswered
            return .nothing
        case .idle, .exchange:
            if self.requestComplete || self.waitingForClient { return .nothing }
            if let first = self.dequeue() {
                switch first {
                case .part(let part): return .part(part)
                case .parseError(let error): return .parseError(self.deliverParseError(error))
                }
            }
            if self.readPending, !self.readsHeld {
                self.readPending = false
                return .read
            }
            return .nothing
        }
    }

    /// The channel's write buffer passed its high water mark: the client is not taking what
    /// was written.
    mutating func outboundBacklogged() -> ConnectionActions {
        self.clientBacklogged = true
        return .none
    }

    /// The channel's write buffer fell below its low water mark: reads and queued requests go
    /// on (the handler delivers what is queued after these actions).
    mutating func outboundDrained() -> ConnectionActions {
        self.clientBacklogged = false
        switch self.state {
        case .closing, .closed: return .none
        case .idle, .exchange: return ConnectionActions(read: !self.readsHeld && self.takePendingRead())
        }
    }

    // MARK: Upstream side

    /// The backend's head was accepted and goes out framed as `framing`; `mustClose` when its
    /// body can only end with the connection (HTTP/1.0 without a length).
    mutating func upstreamHead(framing: ResponseWire.BodyFraming, mustClose: Bool) -> ConnectionActions {
        guard case .exchange(var exchange) = self.state, exchange.response == .awaitingHead else { return .none }
        if mustClose { exchange.keepAlive = false }
        exchange.response = .streaming(framing)
        self.state = .exchange(exchange)
        return ConnectionActions(write: .head(close: !exchange.keepAlive), deadline: .idle)
    }

    /// The backend's head cannot go out (a cookie the policy rejects, an invalid head): the
    /// gateway answers with `error` instead.
    mutating func upstreamHeadRejected(_ error: GatewayError) -> ConnectionActions {
        guard case .exchange(let exchange) = self.state, exchange.response == .awaitingHead else { return .none }
        return self.answerInsteadOfUpstream(exchange, error: error, cancel: true)
    }

    /// Body bytes from the backend re-arm the idle deadline: they flow only while the client
    /// takes what was sent before (the transfer's credit), so a client that stops reading stops
    /// them too.
    mutating func upstreamBody(count: Int) -> ConnectionActions {
        guard case .exchange(let exchange) = self.state, case .streaming(let framing) = exchange.response else { return .none }
        switch framing {
        case .suppressed: return ConnectionActions(write: .dropBody)
        case .chunked: return ConnectionActions(write: .body(chunked: true), deadline: .idle)
        case .identity: return ConnectionActions(write: .body(chunked: false), deadline: .idle)
        }
    }

    mutating func upstreamEnd() -> ConnectionActions {
        guard case .exchange(var exchange) = self.state, case .streaming(let framing) = exchange.response else { return .none }
        exchange.response = .complete
        var actions = ConnectionActions(write: .end(lastChunk: framing == .chunked), record: .completed, deadline: .clear)
        if !exchange.keepAlive {
            self.state = .closing
            actions.connection = .closeAfterWrites
            return actions
        }
        if exchange.request == .complete {
            return self.exchangeOver(exchange, after: actions)
        }
        // The rest of the request body is read and discarded; a client that stops sending it
        // is cut off by the idle deadline.
        exchange.request = .receiving(readsHeld: false)
        self.state = .exchange(exchange)
        actions.deadline = .idle
        actions.read = self.takePendingRead()
        return actions
    }

    mutating func upstreamFailed(_ error: GatewayError) -> ConnectionActions {
        guard case .exchange(let exchange) = self.state, exchange.upstreamActive else { return .none }
        switch exchange.response {
        case .awaitingHead:
            return self.answerInsteadOfUpstream(exchange, error: error, cancel: false)
        case .streaming, .complete:
            return self.abort(cancel: false)
        }
    }

    /// The upload buffer drained: reads may go on.
    mutating func uploadCanResume() -> ConnectionActions {
        guard case .exchange(var exchange) = self.state, exchange.request == .receiving(readsHeld: true) else { return .none }
        exchange.request = .receiving(readsHeld: false)
        self.state = .exchange(exchange)
        return ConnectionActions(deadline: exchange.response == .awaitingHead ? .idle : nil, read: self.takePendingRead())
    }

    // MARK: Timers

    /// No response head within the backend's `responseTimeoutMs` of the request's end.
    mutating func responseTimedOut() -> ConnectionActions {
        // Armed at the head when no body goes upstream (a HEAD's is discarded meanwhile), else
        // at the request's end.
        guard case .exchange(let exchange) = self.state, exchange.response == .awaitingHead,
            exchange.request == .complete || !exchange.forwardsBody
        else { return .none }
        return self.answerInsteadOfUpstream(exchange, error: .upstreamTimeout, cancel: true)
    }

    /// No byte moved within the backend's `idleTimeoutMs` while a body was streaming.
    mutating func idleTimedOut() -> ConnectionActions {
        guard case .exchange(let exchange) = self.state else { return .none }
        switch (exchange.request, exchange.response) {
        case (.receiving, .awaitingHead):
            return self.answerInsteadOfUpstream(exchange, error: .upstreamTimeout, cancel: true)
        case (_, .streaming):
            return self.abort()
        case (.receiving, .complete):
            // The client stopped sending the body of a request already answered.
            self.state = .closing
            return ConnectionActions(connection: .closeAfterWrites)
        case (.complete, .awaitingHead), (.complete, .complete):
            return .none  // the response deadline governs; a stale expiry
        }
    }

    // MARK: Drain and close

    /// Shutdown began: an idle connection closes now (unless part of a head arrived), a busy
    /// one after its response, which says `Connection: close` when its head is still to come.
    /// `limits.bodyTimeoutMs` passed since the head of a request still being received (SPEC §11):
    /// a trickled body must not hold a backend slot. 408 `body_timeout` and close while no
    /// response head went out; otherwise the connection is closed (aborted mid-response).
    mutating func bodyTimedOut() -> ConnectionActions {
        guard case .exchange(let exchange) = self.state, case .receiving = exchange.request else { return .none }
        switch exchange.response {
        case .awaitingHead:
            return self.answerInsteadOfUpstream(exchange, error: .bodyTimeout, cancel: true, forceClose: true)
        case .streaming:
            return self.abort()
        case .complete:
            // A local answer went out; the rest of its body was being discarded.
            self.state = .closing
            return ConnectionActions(deadline: .clear, connection: .closeAfterWrites)
        }
    }

    mutating func drainStarted(sawPartialHead: Bool) -> ConnectionActions {
        self.draining = true
        switch self.state {
        case .idle where !sawPartialHead:
            self.state = .closing
            return ConnectionActions(connection: .closeAfterWrites)
        case .exchange(var exchange):
            exchange.keepAlive = false
            self.state = .exchange(exchange)
            return .none
        case .idle, .closing, .closed:
            return .none
        }
    }

    /// The drain budget is spent: a request still waiting for its head gets 503 `draining`;
    /// anything else under way is cut off.
    mutating func drainDeadlineReached() -> ConnectionActions {
        switch self.state {
        case .closing, .closed:
            return .none
        case .exchange(let exchange) where exchange.response == .awaitingHead:
            return self.answerInsteadOfUpstream(exchange, error: .draining, cancel: true, forceClose: true)
        case .idle, .exchange:
            return self.abort()
        }
    }

    mutating func channelInactive() -> ConnectionActions {
        let actions: ConnectionActions
        switch self.state {
        case .exchange(let exchange) where exchange.upstreamActive:
            actions = ConnectionActions(upstream: .cancel, record: .incomplete, deadline: .clear)
        default:
            actions = ConnectionActions(deadline: .clear)
        }
        self.state = .closed
        self.clearQueue()
        return actions
    }

    /// Whether the current exchange's transfer still runs: its events still matter.
    var upstreamActive: Bool {
        if case .exchange(let exchange) = self.state { return exchange.upstreamActive }
        return false
    }

    // MARK: Helpers

    /// As many requests wait as a connection may queue; or the decoder failed (nothing more it
    /// reads can be used).
    private var pipelineFull: Bool {
        self.queuedRequests >= self.maxPipelinedRequests || self.queuedParseError
    }

    private mutating func enqueue(_ entry: Pipelined) {
        switch entry {
        case .part(.head): self.queuedRequests += 1
        case .parseError: self.queuedParseError = true
        case .part: break
        }
        self.pipelined.append(entry)
    }

    private mutating func dequeue() -> Pipelined? {
        let entry = self.pipelined.popFirst()
        switch entry {
        case .part(.head)?: self.queuedRequests -= 1
        case .parseError?: self.queuedParseError = false
        default: break
        }
        return entry
    }

    private mutating func clearQueue() {
        self.pipelined.removeAll()
        self.queuedRequests = 0
        self.queuedParseError = false
    }

    /// Further bytes could only be further requests, and the client has not taken the answers
    /// to earlier ones.
    private var waitingForClient: Bool {
        guard self.clientBacklogged else { return false }
        if case .idle = self.state { return true }
        return self.requestComplete
    }

    private var requestComplete: Bool {
        if case .exchange(let exchange) = self.state { return exchange.request == .complete }
        return false
    }

    var readsHeld: Bool {
        if case .exchange(let exchange) = self.state { return exchange.request == .receiving(readsHeld: true) }
        return false
    }

    private mutating func takePendingRead() -> Bool {
        guard self.readPending, !self.pipelineFull, !self.waitingForClient else { return false }
        self.readPending = false
        return true
    }

    /// Both sides are done: the connection is idle again, or closes.
    private mutating func exchangeOver(_ exchange: Exchange, after actions: ConnectionActions = .none) -> ConnectionActions {
        var actions = actions
        actions.deadline = .clear
        if exchange.keepAlive && !self.draining {
            self.state = .idle
            actions.exchangeEnded = true
            actions.read = actions.read || self.takePendingRead()
        } else {
            self.state = .closing
            actions.connection = .closeAfterWrites
        }
        return actions
    }

    /// A local error instead of the backend's response, whose head has not gone out. The
    /// connection stays open only when the request is complete and keep-alive.
    private mutating func answerInsteadOfUpstream(
        _ exchange: Exchange, error: GatewayError, cancel: Bool, forceClose: Bool = false
    ) -> ConnectionActions {
        let close = forceClose || !exchange.keepAlive || exchange.request != .complete || self.draining
        var actions = ConnectionActions(
            upstream: cancel ? .cancel : nil, write: .localAnswer(.error(error), close: close), record: .completed,
            deadline: .clear)
        if close {
            self.state = .closing
            actions.connection = .closeAfterWrites
            return actions
        }
        var over = exchange
        over.response = .complete
        return self.exchangeOver(over, after: actions)
    }

    /// Ends the connection without completing the response: the client must see a truncated
    /// message, never one that looks complete.
    private mutating func abort(cancel: Bool = true) -> ConnectionActions {
        var actions = ConnectionActions(deadline: .clear, connection: .abort)
        if case .exchange(let exchange) = self.state, exchange.upstreamActive {
            actions.upstream = cancel ? .cancel : nil
            actions.record = .incomplete
        }
        self.state = .closing
        return actions
    }
}

/// What `ProxyHandler` does for one event, executed in this order: upstream, write (the record
/// is finished just before a response's last bytes go out), deadline, read, connection, then
/// (when an exchange ended) the next pipelined request.
struct ConnectionActions: Equatable {
    enum Upstream: Equatable {
        case start
        case forwardBody
        case finishBody
        case cancel
    }

    enum LocalAnswer: Equatable {
        /// The answer the handler decided for the head (an error, a preflight at the edge).
        case decided
        case error(GatewayError)
        /// 400 or 431 for a head the decoder refused.
        case parseError(HTTPParserError)
    }

    enum Write: Equatable {
        /// A complete response of the gateway's own, saying `Connection: close` when `close`.
        case localAnswer(LocalAnswer, close: Bool)
        /// `100 Continue`, for a client that waits for it before sending its body.
        case interimContinue
        /// The backend's response head, saying `Connection: close` when `close`.
        case head(close: Bool)
        case body(chunked: Bool)
        /// Body bytes a response cannot carry (the answer to HEAD): acknowledged, not written.
        case dropBody
        case end(lastChunk: Bool)
    }

    enum Record: Equatable {
        case completed
        /// The connection ended before the response did.
        case incomplete
    }

    enum Deadline: Equatable {
        /// The backend's `responseTimeoutMs`, from now.
        case response
        /// The backend's `idleTimeoutMs`, from now.
        case idle
        case clear
    }

    /// The request body's own deadline, `limits.bodyTimeoutMs` from its head, next to the
    /// exchange's one deadline above.
    enum BodyDeadline: Equatable {
        case arm
        case clear
    }

    enum Connection: Equatable {
        /// Close once what was written has gone out.
        case closeAfterWrites
        /// Close now.
        case abort
    }

    var upstream: Upstream?
    var write: Write?
    var record: Record?
    var deadline: Deadline?
    var bodyDeadline: BodyDeadline?
    /// Ask the channel for more bytes (a read it asked for while they were held).
    var read = false
    var connection: Connection?
    /// The connection is idle again: the head timer restarts and pipelined requests go on.
    var exchangeEnded = false

    static let none = ConnectionActions()
}
