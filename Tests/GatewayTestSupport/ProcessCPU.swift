import Glibc

/// CPU time a process has used, for idle-CPU tests: sample, wait while idle, sample again.
public enum ProcessCPU {
    /// User plus system CPU seconds of `pid` (this process by default), from /proc/PID/stat.
    public static func secondsUsed(pid: pid_t = getpid()) throws -> Double {
        let stat = try readProcFile("/proc/\(pid)/stat")
        // The command name (field 2) is parenthesised and may contain spaces; count fields
        // after its closing parenthesis. There, field 3 (state) is first, so utime (field 14)
        // and stime (field 15) are at offsets 11 and 12.
        guard let closing = stat.lastIndex(of: ")") else { throw ProcessCPUError.unreadable(stat) }
        let fields = stat[stat.index(after: closing)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw ProcessCPUError.unreadable(stat)
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Seconds the threads of `pid` spent running or waiting for a CPU, summed, from
    /// /proc/PID/task/TID/schedstat. A thread that never sleeps (a busy loop) accrues this at
    /// the wall-clock rate however busy the machine is; CPU time alone shrinks with contention.
    public static func secondsRunnable(pid: pid_t) throws -> Double {
        guard let directory = opendir("/proc/\(pid)/task") else {
            throw ProcessCPUError.cannotOpen("/proc/\(pid)/task", errno: errno)
        }
        defer { closedir(directory) }
        var nanoseconds = 0.0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.first?.isNumber == true else { continue }
            // "run time, run-queue wait time, timeslices"; a thread gone meanwhile counts nothing.
            guard let stat = try? readProcFile("/proc/\(pid)/task/\(name)/schedstat") else { continue }
            let fields = stat.split(separator: " ")
            guard fields.count >= 2, let running = Double(fields[0]), let waiting = Double(fields[1]) else {
                throw ProcessCPUError.unreadable(stat)
            }
            nanoseconds += running + waiting
        }
        return nanoseconds / 1e9
    }

    private static func readProcFile(_ path: String) throws -> String {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw ProcessCPUError.cannotOpen(path, errno: errno) }
        defer { close(descriptor) }
        // procfs reports size 0; read until end of file.
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

public enum ProcessCPUError: Error, CustomStringConvertible {
    case cannotOpen(String, errno: Int32)
    case unreadable(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let code): "cannot open \(path): \(describe(errno: code))"
        case .unreadable(let stat): "unexpected /proc stat format: \(stat)"
        }
    }
}
