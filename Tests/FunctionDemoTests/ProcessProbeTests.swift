import Glibc
import GatewayTestSupport
import Testing

/// The /proc readers used by leak and idle-CPU tests. Other tests run alongside, so these
/// assert on this test's own descriptors and on monotonic CPU time, not on exact totals.
@Suite("Process probes")
struct ProcessProbeTests {
    @Test func openDescriptorsListAPipeUntilItIsClosed() throws {
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        let whileOpen = FileDescriptorCounter.openDescriptors()
        for end in ends {
            #expect(whileOpen.contains { $0.descriptor == end && $0.target.hasPrefix("pipe:") })
        }
        #expect(FileDescriptorCounter.openCount() >= 2)
        let pipeTarget = whileOpen.first { $0.descriptor == ends[0] }?.target
        ends.forEach { close($0) }
        #expect(!FileDescriptorCounter.openDescriptors().contains { $0.target == pipeTarget })
    }

    @Test func cpuSecondsGrowWithWork() throws {
        let before = try ProcessCPU.secondsUsed()
        let started = ContinuousClock.now
        var spin: UInt64 = 0
        while ContinuousClock.now - started < .milliseconds(300) {
            spin &+= 1
        }
        let used = try ProcessCPU.secondsUsed() - before
        #expect(used >= 0.1, "spun \(spin) times")
    }

    @Test func unknownProcessIsAnError() {
        #expect(throws: ProcessCPUError.self) { try ProcessCPU.secondsUsed(pid: -1) }
    }
}
