import Synchronization

/// Request heads a backend script saw, shared with the test.
final class RecordedHeads: Sendable {
    private let heads = Mutex<[String]>([])
    func append(_ head: String) { self.heads.withLock { $0.append(head) } }
    var all: [String] { self.heads.withLock { $0 } }
}
