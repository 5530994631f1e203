import NIOCore

/// The seam between the server and the upstream HTTP engine. `CurlEngine` is the real one; tests script their own.
public protocol UpstreamClient: AnyObject, Sendable {
    /// Starts a transfer; its events reach `delegate` on `eventLoop`, in order, in batches.
    func startTransfer(_ request: UpstreamRequest, on eventLoop: any EventLoop, delegate: any UpstreamTransferDelegate) -> any UpstreamTransfer
    /// Transfers started and not yet finished or cancelled.
    var transfersInFlight: Int { get }
    /// Request body bytes waiting for the backend plus response bytes not yet written to or discarded by the client side.
    var bufferedBytes: Int { get }
}

/// One transfer, as the event loop that started it sees it. Every method is called on that event loop.
public protocol UpstreamTransfer: AnyObject {
    /// Hands a piece of the client's request body over. `false`: stop reading the client until `.uploadCanResume`.
    func appendRequestBody(_ buffer: ByteBuffer) -> Bool
    /// The client's request body is complete.
    func finishRequestBody()
    /// The client connection took `count` response body bytes (or they were dropped).
    func responseBytesWritten(_ count: Int)
    /// Events the delegate will not act on (its exchange is over): their bytes stop counting as buffered.
    func discard(_ events: [UpstreamEvent])
    /// Abandons the transfer. No further events are delivered; every byte it still counts is released.
    func cancel()
}
