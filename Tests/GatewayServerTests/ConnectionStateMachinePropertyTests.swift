import NIOCore
import NIOHTTP1
import PropertyBased
import Testing

@testable import GatewayServer

/// Thousands of random interleavings of client parts, upstream events, timers, reads, drain
/// and close through `ConnectionStateMachine`, executed by a model of `ProxyHandler` and its
/// transfer. After every step and at the end, the SPEC §11 promises hold.
@Suite("Connection state machine: random interleavings")
struct ConnectionStateMachinePropertyTests {
    @Test func everyExchangeEndsAndReleasesEverything() async {
        await propertyCheck(count: 5000, input: Gen.int(in: 0...Int(UInt16.max)).array(of: 1...160)) { choices in
            var simulation = ConnectionSimulation()
            for choice in choices {
                simulation.step(choice)
                simulation.checkInvariants()
            }
            simulation.finish()
        }
    }
}

/// A model of the handler around the machine: the client sends requests part by part, a
/// transfer answers, and every action is applied to counters the invariants read.
struct ConnectionSimulation {
    struct Request {
        var records = 0
        var responses = 0
        var cutOff = false
    }

    var machine = ConnectionStateMachine(maxPipelinedRequests: 2)  // small, so runs reach the limit
    var requests: [Request] = []
    /// The client's next parts, refilled request by request.
    var outgoing: [HTTPServerRequestPart] = []
    var sentRequests = 0
    var decoderFailed = false
    var transferActive = false
    var transferHeadSent = false
    var unackedResponseBytes = 0
    var connectionClosing = false
    var channelGone = false
    /// The channel may deliver bytes (a read was let through).
    var readGranted = false
    /// Decides what the next handled head gets.
    var dispositionChoice = 0

    mutating func step(_ choice: Int) {
        self.dispositionChoice = choice >> 5
        // Events that end the connection are rare, so runs get deep into exchanges.
        let ending = (choice >> 12) % 5 == 0
        switch choice % 20 {
        case 0, 1, 2: self.sendPart()
        case 3, 4: self.upstream { $0.transferHeadSent ? $0.machine.upstreamBody(count: 10) : $0.upstreamHead(choice) }
        case 5, 6: self.upstream { $0.transferHeadSent ? $0.machine.upstreamBody(count: 10) : .none }
        case 7: self.upstream { $0.transferHeadSent ? $0.upstreamEnd() : .none }
        case 8: self.upstream { $0.upstreamFailed() }
        case 9: self.upstream { $0.machine.uploadCanResume() }
        case 10: self.apply(self.machine.responseTimedOut())
        case 11: self.apply(self.machine.idleTimedOut())
        case 12: self.apply(self.machine.read())
        case 13 where ending: self.apply(self.machine.drainStarted(sawPartialHead: choice & 32 != 0))
        case 14 where ending: self.apply(self.machine.drainDeadlineReached())
        case 15 where ending || self.connectionClosing: self.channelInactive()
        case 16 where ending:
            guard !self.decoderFailed, !self.channelGone else { return }
            self.decoderFailed = true
            self.apply(self.machine.parseError(.invalidChunkSize))
        case 17:  // the client took what was written
            self.unackedResponseBytes = 0
        case 18: self.apply(self.machine.bodyTimedOut())
        case 19:  // the client stops taking what is written, or takes it all again
            if self.machine.clientBacklogged {
                self.apply(self.machine.outboundDrained())
            } else {
                self.apply(self.machine.outboundBacklogged())
            }
        case 13, 14, 15, 16:
            self.upstream { $0.transferHeadSent ? $0.upstreamEnd() : $0.upstreamHead(choice) }
        default:
            self.sendPart()
        }
        self.deliverPipelined()
    }

    private mutating func upstream(_ event: (inout Self) -> ConnectionActions) {
        // The handler passes a transfer's events on only while the machine still wants them.
        guard self.transferActive, self.machine.upstreamActive else { return }
        let actions = event(&self)
        self.apply(actions)
    }

    private mutating func upstreamHead(_ choice: Int) -> ConnectionActions {
        if choice & 64 != 0 {
            self.transferActive = false  // a rejected head: the handler cancels
            return self.machine.upstreamHeadRejected(.cookieRejected)
        }
        let framing: ResponseWire.BodyFraming = [.identity, .chunked, .suppressed][choice % 3]
        return self.machine.upstreamHead(framing: framing, mustClose: choice & 128 != 0)
    }

    private mutating func upstreamEnd() -> ConnectionActions {
        self.transferActive = false  // curl released it before reporting
        return self.machine.upstreamEnd()
    }

    private mutating func upstreamFailed() -> ConnectionActions {
        self.transferActive = false
        return self.machine.upstreamFailed(.upstreamInvalidResponse)
    }

    private mutating func sendPart(startingRequests: Bool = true) {
        guard !self.decoderFailed, !self.channelGone else { return }
        if self.outgoing.isEmpty {
            guard startingRequests else { return }
            let bodyParts = self.sentRequests % 4
            self.sentRequests += 1
            self.outgoing = [.head(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/r\(self.sentRequests)"))]
            self.outgoing += Array(repeating: .body(ByteBuffer(string: "0123456789")), count: bodyParts)
            self.outgoing.append(.end(nil))
        }
        let part = self.outgoing.removeFirst()
        if case .handle(let part) = self.machine.partArrived(part) { self.handle(part) }
    }

    private mutating func handle(_ part: HTTPServerRequestPart) {
        switch part {
        case .head:
            self.requests.append(Request())
            let disposition: ConnectionStateMachine.HeadDisposition
            switch self.dispositionChoice % 5 {
            case 0: disposition = .answerLocally(close: false)
            case 1: disposition = .answerLocally(close: true)
            case 2: disposition = .proxy(forwardsBody: false, expectsContinue: false)
            default: disposition = .proxy(forwardsBody: true, expectsContinue: self.dispositionChoice & 8 != 0)
            }
            self.apply(self.machine.requestHead(disposition, keepAlive: self.dispositionChoice % 7 != 0, maxBodyBytes: 25))
        case .body(let buffer):
            self.apply(self.machine.requestBody(count: buffer.readableBytes))
        case .end:
            self.apply(self.machine.requestEnd())
        }
    }

    private mutating func deliverPipelined() {
        while true {
            switch self.machine.next() {
            case .part(let part): self.handle(part)
            case .parseError(let actions): self.apply(actions)
            case .read:
                self.readGranted = true
                return
            case .nothing: return
            }
        }
    }

    private mutating func channelInactive() {
        guard !self.channelGone else { return }
        self.channelGone = true
        self.unackedResponseBytes = 0  // NIO fails the writes still queued
        self.apply(self.machine.channelInactive())
    }

    /// What `ProxyHandler.execute` does, as counts.
    private mutating func apply(_ actions: ConnectionActions) {
        switch actions.upstream {
        case .start?:
            #expect(!self.transferActive, "a transfer started while one runs")
            self.transferActive = true
            self.transferHeadSent = false
        case .forwardBody?, .finishBody?:
            #expect(self.transferActive, "body handed to a transfer that is not running")
            if self.dispositionChoice & 16 != 0 { self.machine.uploadBufferFull() }
        case .cancel?:
            self.transferActive = false
        case nil:
            break
        }
        if case .localAnswer(.parseError, _)? = actions.write {
            self.requests.append(Request())  // a head the decoder refused is a request of its own
        }
        switch actions.write {
        case .localAnswer?, .end?:
            #expect(!self.connectionClosing, "a response written on a closing connection")
            self.currentRequest { $0.responses += 1 }
        case .head?:
            self.transferHeadSent = true
        case .body?:
            self.unackedResponseBytes += 10
        case .interimContinue?, .dropBody?, nil:
            break
        }
        if actions.record != nil { self.currentRequest { $0.records += 1 } }
        if actions.read { self.readGranted = true }
        if actions.connection != nil {
            self.connectionClosing = true
            self.currentRequest { if $0.responses == 0 { $0.cutOff = true } }
        }
    }

    private mutating func currentRequest(_ change: (inout Request) -> Void) {
        guard !self.requests.isEmpty else { return }  // closing before any request
        change(&self.requests[self.requests.count - 1])
    }

    func checkInvariants() {
        // The transfer runs exactly while the machine's exchange needs it: the slot is returned.
        #expect(self.transferActive == self.machine.upstreamActive, "transfer \(self.transferActive) vs machine \(self.machine.summary)")
        for (index, request) in self.requests.enumerated() {
            #expect(request.records <= 1, "request \(index) recorded \(request.records) times")
            #expect(request.responses <= 1, "request \(index) answered \(request.responses) times")
        }
        // Reads are held only for something: a full upload buffer, requests waiting, or a client
        // that has not taken earlier answers.
        #expect(!self.machine.readsHeld || self.transferActive, "reads held for a transfer that is over: \(self.machine.summary)")
        if self.machine.readPending, case .exchange = self.machine.state {
            #expect(self.machine.readsHeld || !self.machine.pipelined.isEmpty || self.machine.clientBacklogged,
                    "reads held for nothing: \(self.machine.summary)")
        }
        if self.machine.readPending, case .idle = self.machine.state {
            #expect(!self.machine.pipelined.isEmpty || self.machine.clientBacklogged, "reads held for nothing: \(self.machine.summary)")
        }
        // The queue stays bounded: with as many requests queued as allowed, no read goes through.
        if self.machine.queuedRequests >= self.machine.maxPipelinedRequests {
            var probe = self.machine
            #expect(!probe.read().read, "a read let through with a full queue: \(self.machine.summary)")
        }
        // A backlog holds reads only once the request in hand is complete: holding them during
        // an upload could deadlock a client that reads only after sending its whole body.
        if self.machine.readPending, self.machine.clientBacklogged, self.machine.pipelined.isEmpty, !self.machine.readsHeld,
           case .exchange(let exchange) = self.machine.state {
            #expect(exchange.request == .complete, "reads held during an upload for a backlog: \(self.machine.summary)")
        }
    }

    /// Liveness: from wherever the run stopped, the client sends the rest of its request
    /// (only when the channel reads), the backend answers and the clocks run. The connection
    /// must come to rest, idle or closing, with every request answered or cut off.
    mutating func settle() {
        self.readGranted = false
        if self.machine.clientBacklogged {  // the client takes everything written from now on
            self.apply(self.machine.outboundDrained())
            self.deliverPipelined()
        }
        self.apply(self.machine.read())
        for round in 0..<200 {
            if self.channelGone || self.connectionClosing { break }
            if !self.outgoing.isEmpty, self.readGranted, !self.decoderFailed {
                self.readGranted = false
                self.sendPart(startingRequests: false)
                self.apply(self.machine.read())  // NIO reads again after a read
            } else if self.transferActive, self.machine.upstreamActive {
                self.upstream { $0.transferHeadSent ? $0.upstreamEnd() : $0.machine.upstreamHead(framing: .identity, mustClose: false) }
            } else if round % 2 == 0 {
                self.apply(self.machine.idleTimedOut())
            } else {
                self.apply(self.machine.responseTimedOut())
            }
            switch self.machine.next() {
            case .read: self.readGranted = true
            case .part(let part):
                self.handle(part)
                self.deliverPipelined()
            case .parseError(let actions): self.apply(actions)
            case .nothing: break
            }
        }
        if self.connectionClosing || self.channelGone { return }
        #expect(self.outgoing.isEmpty || self.decoderFailed, "the client could not send its request: \(self.machine.summary)")
        #expect(self.machine.state == .idle, "the connection did not come to rest: \(self.machine.summary)")
        #expect(self.machine.pipelined.isEmpty && !self.machine.readPending, "reads stuck: \(self.machine.summary)")
        for (index, request) in self.requests.enumerated() {
            #expect(request.responses == 1, "request \(index) unanswered at rest: \(self.machine.summary)")
        }
    }

    /// The connection ends: everything is released, and every request got one response or
    /// was cut off by a close, and one access-log record.
    mutating func finish() {
        self.settle()
        self.channelInactive()
        #expect(!self.transferActive, "a transfer outlived its connection")
        #expect(self.unackedResponseBytes == 0)
        for (index, request) in self.requests.enumerated() {
            #expect(request.records == 1, "request \(index) recorded \(request.records) times: \(self.machine.summary)")
            #expect(request.responses == 1 || (request.responses == 0 && (request.cutOff || self.channelGone)),
                "request \(index): \(request.responses) responses")
        }
    }
}
