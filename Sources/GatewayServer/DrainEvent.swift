/// Sent down every client connection when the gateway shuts down (SPEC §8).
enum DrainEvent {
    /// Stop accepting requests on this connection: an idle one closes now, a busy one after
    /// its current response (which says `Connection: close` when its head is still to come).
    case finishCurrentExchange
    /// The drain budget is spent: a request still waiting for its response gets 503
    /// `draining`; a response under way is cut off.
    case deadlineReached
}
