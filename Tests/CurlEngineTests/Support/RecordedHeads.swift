import NIOConcurrencyHelpers

/// Request heads a backend script saw, shared with the test.
final class RecordedHeads: Sendable {
    private let heads = NIOLockedValueBox<[String]>([])
    func append(_ head: String) { self.heads.withLockedValue { $0.append(head) } }
    var all: [String] { self.heads.withLockedValue { $0 } }
}
