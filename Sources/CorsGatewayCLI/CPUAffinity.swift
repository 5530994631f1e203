import Foundation
import NIOCore

/// The CPUs this process may run on. NIO's `System.coreCount` honours cgroup quotas but not
/// the affinity mask, so under `taskset -c 0` it would still start one event loop per machine
/// core, and the loops would take turns on the one CPU they are allowed.
enum CPUAffinity {
    static var usableCores: Int {
        // `sched_getaffinity` is hidden behind _GNU_SOURCE in Swift's Glibc; the kernel reports
        // the same mask as hex words in /proc/self/status ("Cpus_allowed:\tff,ffffffff").
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") })
        else { return System.coreCount }
        let allowed = line.dropFirst("Cpus_allowed:".count).split(separator: ",").reduce(0) { count, word in
            count + (UInt64(word.trimmingCharacters(in: .whitespaces), radix: 16)?.nonzeroBitCount ?? 0)
        }
        return max(1, min(allowed, System.coreCount))
    }
}
