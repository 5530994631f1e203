import NIOCore
import NIOHTTP1

@testable import GatewayServer

/// Named states of `ConnectionStateMachine`, each reached from a new connection by events (so
/// every one is reachable), and one-line summaries of states and actions for transition tables.
enum ConnectionFixture: String, CaseIterable, Sendable {
    case idle
    /// Proxying; the client's body is streaming upstream.
    case uploading
    /// As `uploading`, with the upload buffer full: reads held.
    case uploadHeld
    /// The request is complete; no response head yet.
    case awaitingHead
    /// The response body streams (Content-Length framed); the request is complete.
    case streaming
    /// The response body streams re-chunked.
    case streamingChunked
    /// The response streams while the client's body still goes upstream.
    case duplex
    /// Answered locally (keep-alive); the rest of the request body is discarded.
    case discarding
    /// The request is complete and the response pending, a later request's head queued.
    case pipelined
    /// As `pipelined`, with as many heads queued as the connection may queue
    /// (`maxPipelinedRequests`): reads held.
    case pipelineFull
    /// Between requests, the client not taking what was written (the channel's write buffer
    /// past its high water mark): a read asked for and a head that arrived are held.
    case backlogged
    /// As `streaming`, with the client not taking what was written.
    case streamingBacklogged
    case closing
    case closed

    static let maxBodyBytes = 1000
    static let maxPipelinedRequests = 2

    var machine: ConnectionStateMachine {
        var machine = ConnectionStateMachine(maxPipelinedRequests: Self.maxPipelinedRequests)
        let proxy = ConnectionStateMachine.HeadDisposition.proxy(forwardsBody: true, expectsContinue: false)
        switch self {
        case .idle:
            break
        case .uploading:
            _ = machine.requestHead(proxy, keepAlive: true, maxBodyBytes: Self.maxBodyBytes)
        case .uploadHeld:
            _ = machine.requestHead(proxy, keepAlive: true, maxBodyBytes: Self.maxBodyBytes)
            machine.uploadBufferFull()
        case .awaitingHead:
            _ = machine.requestHead(proxy, keepAlive: true, maxBodyBytes: Self.maxBodyBytes)
            _ = machine.requestEnd()
        case .streaming, .streamingChunked:
            _ = machine.requestHead(proxy, keepAlive: true, maxBodyBytes: Self.maxBodyBytes)
            _ = machine.requestEnd()
            _ = machine.upstreamHead(framing: self == .streaming ? .identity : .chunked, mustClose: false)
        case .duplex:
            _ = machine.requestHead(proxy, keepAlive: true, maxBodyBytes: Self.maxBodyBytes)
            _ = machine.upstreamHead(framing: .identity, mustClose: false)
        case .discarding:
            _ = machine.requestHead(.answerLocally(close: false), keepAlive: true, maxBodyBytes: Self.maxBodyBytes)
        case .pipelined:
            _ = machine.requestHead(proxy, keepAlive: true, maxBodyBytes: Self.maxBodyBytes)
            _ = machine.requestEnd()
            _ = machine.partArrived(.head(Self.head))
        case .pipelineFull:
            _ = machine.requestHead(proxy, keepAlive: true, maxBodyBytes: Self.maxBodyBytes)
            _ = machine.requestEnd()
            _ = machine.partArrived(.head(Self.head))
            _ = machine.partArrived(.end(nil))
            _ = machine.partArrived(.head(Self.head))
        case .backlogged:
            _ = machine.outboundBacklogged()
            _ = machine.read()
            _ = machine.partArrived(.head(Self.head))
        case .streamingBacklogged:
            _ = machine.requestHead(proxy, keepAlive: true, maxBodyBytes: Self.maxBodyBytes)
            _ = machine.requestEnd()
            _ = machine.upstreamHead(framing: .identity, mustClose: false)
            _ = machine.outboundBacklogged()
        case .closing:
            _ = machine.requestHead(.answerLocally(close: true), keepAlive: true, maxBodyBytes: Self.maxBodyBytes)
        case .closed:
            _ = machine.channelInactive()
        }
        return machine
    }

    static let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/next")
}

/// Every event the connection machine takes, with fixed arguments.
enum ConnectionEvent: String, CaseIterable, Sendable {
    case headArrives, bodyArrives, endArrives
    case parseError
    case headAnsweredLocally, headAnsweredLocallyClosing, headProxied, headProxiedWithoutBody, headNotKeepAlive
    case requestBody, requestBodyOverLimit, uploadBufferFull, requestEnd
    case read, next
    case upstreamHead, upstreamHeadClosing, upstreamHeadRejected, upstreamBody, upstreamEnd, upstreamFailed
    case uploadCanResume
    case responseTimedOut, idleTimedOut, bodyTimedOut
    case drainStarted, drainStartedMidHead, drainDeadlineReached
    case outboundBacklogged, outboundDrained
    case channelInactive

    /// Heads reach `requestHead` only from `partArrived` or `next`, which hand them over in an
    /// idle connection alone (the decoder sends a head only after the previous request's end).
    var isHeadDecision: Bool {
        switch self {
        case .headAnsweredLocally, .headAnsweredLocallyClosing, .headProxied, .headProxiedWithoutBody, .headNotKeepAlive: true
        default: false
        }
    }

    /// Applies the event; returns its actions, summarised.
    func apply(to machine: inout ConnectionStateMachine) -> String {
        let max = ConnectionFixture.maxBodyBytes
        let actions: ConnectionActions
        switch self {
        case .headArrives: return Self.summary(machine.partArrived(.head(ConnectionFixture.head)))
        case .bodyArrives: return Self.summary(machine.partArrived(.body(ByteBuffer(string: "x"))))
        case .endArrives: return Self.summary(machine.partArrived(.end(nil)))
        case .parseError: actions = machine.parseError(.invalidChunkSize)
        case .headAnsweredLocally: actions = machine.requestHead(.answerLocally(close: false), keepAlive: true, maxBodyBytes: max)
        case .headAnsweredLocallyClosing: actions = machine.requestHead(.answerLocally(close: true), keepAlive: true, maxBodyBytes: max)
        case .headProxied: actions = machine.requestHead(.proxy(forwardsBody: true, expectsContinue: true), keepAlive: true, maxBodyBytes: max)
        case .headProxiedWithoutBody: actions = machine.requestHead(.proxy(forwardsBody: false, expectsContinue: false), keepAlive: true, maxBodyBytes: max)
        case .headNotKeepAlive: actions = machine.requestHead(.answerLocally(close: false), keepAlive: false, maxBodyBytes: max)
        case .requestBody: actions = machine.requestBody(count: 10)
        case .requestBodyOverLimit: actions = machine.requestBody(count: max + 1)
        case .uploadBufferFull:
            machine.uploadBufferFull()
            return "-"
        case .requestEnd: actions = machine.requestEnd()
        case .read: actions = machine.read()
        case .next: return Self.summary(machine.next())
        case .upstreamHead: actions = machine.upstreamHead(framing: .identity, mustClose: false)
        case .upstreamHeadClosing: actions = machine.upstreamHead(framing: .identity, mustClose: true)
        case .upstreamHeadRejected: actions = machine.upstreamHeadRejected(.cookieRejected)
        case .upstreamBody: actions = machine.upstreamBody(count: 10)
        case .upstreamEnd: actions = machine.upstreamEnd()
        case .upstreamFailed: actions = machine.upstreamFailed(.upstreamUnavailable)
        case .uploadCanResume: actions = machine.uploadCanResume()
        case .responseTimedOut: actions = machine.responseTimedOut()
        case .idleTimedOut: actions = machine.idleTimedOut()
        case .bodyTimedOut: actions = machine.bodyTimedOut()
        case .drainStarted: actions = machine.drainStarted(sawPartialHead: false)
        case .drainStartedMidHead: actions = machine.drainStarted(sawPartialHead: true)
        case .drainDeadlineReached: actions = machine.drainDeadlineReached()
        case .outboundBacklogged: actions = machine.outboundBacklogged()
        case .outboundDrained: actions = machine.outboundDrained()
        case .channelInactive: actions = machine.channelInactive()
        }
        return Self.summary(actions)
    }

    static func summary(_ arrival: ConnectionStateMachine.Arrival) -> String {
        switch arrival {
        case .handle: "handle"
        case .none: "-"
        }
    }

    static func summary(_ next: ConnectionStateMachine.Next) -> String {
        switch next {
        case .part(.head): "part(head)"
        case .part(.body): "part(body)"
        case .part(.end): "part(end)"
        case .parseError(let actions): "parseError(\(Self.summary(actions)))"
        case .read: "read"
        case .nothing: "-"
        }
    }

    static func summary(_ actions: ConnectionActions) -> String {
        var parts: [String] = []
        if let upstream = actions.upstream { parts.append("up:\(upstream)") }
        if let write = actions.write {
            switch write {
            case .localAnswer(let kind, let close):
                let what: String
                switch kind {
                case .decided: what = "decided"
                case .error(let error): what = error.code
                case .parseError: what = "parseError"
                }
                parts.append("write:local(\(what)\(close ? ",close" : ""))")
            case .interimContinue: parts.append("write:100")
            case .head(let close): parts.append("write:head\(close ? "(close)" : "")")
            case .body(let chunked): parts.append("write:body\(chunked ? "(chunked)" : "")")
            case .dropBody: parts.append("write:drop")
            case .end(let lastChunk): parts.append("write:end\(lastChunk ? "(lastChunk)" : "")")
            }
        }
        if let record = actions.record { parts.append("record:\(record)") }
        if let deadline = actions.deadline { parts.append("deadline:\(deadline)") }
        if let body = actions.bodyDeadline { parts.append("body:\(body)") }
        if actions.read { parts.append("read") }
        if let connection = actions.connection { parts.append("\(connection)") }
        if actions.exchangeEnded { parts.append("ended") }
        return parts.isEmpty ? "-" : parts.joined(separator: " ")
    }
}

extension ConnectionStateMachine {
    /// The state in a table's terms.
    var summary: String {
        var text: String
        switch self.state {
        case .idle: text = "idle"
        case .closing: text = "closing"
        case .closed: text = "closed"
        case .exchange(let exchange):
            let request: String
            switch exchange.request {
            case .receiving(let held): request = held ? "held" : "receiving"
            case .complete: request = "complete"
            }
            let response: String
            switch exchange.response {
            case .awaitingHead: response = "awaitingHead"
            case .streaming(let framing): response = "streaming(\(framing))"
            case .complete: response = "complete"
            }
            text = "exchange(\(request),\(response)\(exchange.forwardsBody ? ",fwd" : "")\(exchange.keepAlive ? "" : ",close"))"
        }
        if !self.pipelined.isEmpty { text += "+queued\(self.pipelined.count)" }
        if self.readPending { text += "+readPending" }
        if self.draining { text += "+draining" }
        if self.clientBacklogged { text += "+backlogged" }
        return text
    }
}
