import CurlEngine
import NIOCore

/// An `UpstreamClient` the test drives by hand: it records what the handler starts, sends,
/// acknowledges and cancels, and delivers the events the test scripts, on the handler's loop.
final class ScriptedUpstream: UpstreamClient, @unchecked Sendable {
    final class Transfer: UpstreamTransfer {
        let request: UpstreamRequest
        weak var delegate: (any UpstreamTransferDelegate)?
        var body: [UInt8] = []
        var bodyEnded = false
        var cancelled = false
        /// What `appendRequestBody` answers: false asks the handler to hold client reads.
        var acceptsMoreBody = true
        var bytesWritten = 0
        var bytesDiscarded = 0

        init(request: UpstreamRequest, delegate: any UpstreamTransferDelegate) {
            self.request = request
            self.delegate = delegate
        }

        func appendRequestBody(_ buffer: ByteBuffer) -> Bool {
            self.body += buffer.readableBytesView
            return self.acceptsMoreBody
        }

        func finishRequestBody() { self.bodyEnded = true }
        func responseBytesWritten(_ count: Int) { self.bytesWritten += count }

        func discard(_ events: [UpstreamEvent]) {
            for case .body(let buffer) in events { self.bytesDiscarded += buffer.readableBytes }
        }

        func cancel() { self.cancelled = true }

        /// Hands `events` to the handler as one batch, as the engine does.
        func deliver(_ events: UpstreamEvent...) {
            self.delegate?.upstreamTransfer(self, received: events)
        }
    }

    private(set) var transfers: [Transfer] = []

    func startTransfer(_ request: UpstreamRequest, on eventLoop: any EventLoop, delegate: any UpstreamTransferDelegate) -> any UpstreamTransfer {
        let transfer = Transfer(request: request, delegate: delegate)
        self.transfers.append(transfer)
        return transfer
    }

    var transfersInFlight: Int { self.transfers.filter { !$0.cancelled }.count }
    var bufferedBytes: Int { 0 }
}
