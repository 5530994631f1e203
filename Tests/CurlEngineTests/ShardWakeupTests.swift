import Testing

@testable import CurlEngine

/// `ShardWakeup`'s transitions: one wakeup per batch of queued commands, and a loop's commands
/// woken for at the end of its task.
@Suite("Curl shard wakeups")
struct ShardWakeupTests {
    final class Loop {}
    static let a = ObjectIdentifier(Loop.self)
    static let b = ObjectIdentifier(Int.self)

    enum Event {
        case queued(ObjectIdentifier?)
        case taskEnded(ObjectIdentifier)
        case taken
    }

    /// Events in order, each with the action it must give (`taken` gives none).
    @Test(arguments: [
        ("from elsewhere: wake now, once until the queue is taken",
         [(Event.queued(nil), ShardWakeup.Action.wakeNow), (.queued(nil), .none), (.taken, .none), (.queued(nil), .wakeNow)]),
        ("on a loop: wake after its task, once for all its commands",
         [(.queued(a), .wakeAfterLoopTask), (.queued(a), .none), (.queued(a), .none), (.taskEnded(a), .wakeNow)]),
        ("two loops: each schedules its own; the second to end finds the wakeup made",
         [(.queued(a), .wakeAfterLoopTask), (.queued(b), .wakeAfterLoopTask), (.taskEnded(a), .wakeNow), (.taskEnded(b), .none)]),
        ("a wakeup already made covers a loop's command",
         [(.queued(nil), .wakeNow), (.queued(a), .none), (.taken, .none), (.queued(a), .wakeAfterLoopTask)]),
        ("a wakeup made while the loop's task runs: the task's end adds none",
         [(.queued(a), .wakeAfterLoopTask), (.queued(nil), .wakeNow), (.taskEnded(a), .none), (.queued(a), .none)]),
        ("the queue taken before the task ends: the end still wakes (commands may have come after)",
         [(.queued(a), .wakeAfterLoopTask), (.queued(nil), .wakeNow), (.taken, .none), (.taskEnded(a), .wakeNow)]),
        ("a loop's next task schedules again",
         [(.queued(a), .wakeAfterLoopTask), (.taskEnded(a), .wakeNow), (.taken, .none), (.queued(a), .wakeAfterLoopTask)]),
    ])
    func transitions(_ name: String, _ steps: [(Event, ShardWakeup.Action)]) {
        var wakeup = ShardWakeup()
        for (index, (event, expected)) in steps.enumerated() {
            let action: ShardWakeup.Action
            switch event {
            case .queued(let loop): action = wakeup.commandQueued(onLoop: loop)
            case .taskEnded(let loop): action = wakeup.loopTaskEnded(loop)
            case .taken:
                wakeup.queueTaken()
                action = .none
            }
            #expect(action == expected, "\(name): step \(index + 1)")
        }
    }
}
