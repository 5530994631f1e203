import NIOConcurrencyHelpers

/// Everything ``TestBackend`` observes, shared by its connection handlers (which run on the
/// event loop) and the test (which reads from any thread), hence the lock.
final class TestBackendRecorder: Sendable {
    private struct State {
        var requests: [RecordedRequest] = []
        var acceptedConnections = 0
        var bytesServed = 0
        var uploadBytesRead = 0
    }

    private let state = NIOLockedValueBox(State())

    /// Counts a new connection and returns its 1-based number.
    func connectionAccepted() -> Int {
        self.state.withLockedValue { state in
            state.acceptedConnections += 1
            return state.acceptedConnections
        }
    }

    /// Appends a request and returns its index for later ``update(_:_:)`` calls.
    func record(_ request: RecordedRequest) -> Int {
        self.state.withLockedValue { state in
            state.requests.append(request)
            return state.requests.count - 1
        }
    }

    func update(_ index: Int, _ change: (inout RecordedRequest) -> Void) {
        self.state.withLockedValue { change(&$0.requests[index]) }
    }

    func addBytesServed(_ count: Int) {
        self.state.withLockedValue { $0.bytesServed += count }
    }

    func addUploadBytesRead(_ count: Int) {
        self.state.withLockedValue { $0.uploadBytesRead += count }
    }

    var requests: [RecordedRequest] { self.state.withLockedValue { $0.requests } }
    var acceptedConnections: Int { self.state.withLockedValue { $0.acceptedConnections } }
    var bytesServed: Int { self.state.withLockedValue { $0.bytesServed } }
    var uploadBytesRead: Int { self.state.withLockedValue { $0.uploadBytesRead } }
}
