import Glibc

/// Counts this process's open file descriptors, for tests that prove sockets and pipes are
/// released (compare the count before and after, allowing for other tests running alongside).
public enum FileDescriptorCounter {
    /// Number of entries in /proc/self/fd, not counting the one used to list them.
    public static func openCount() -> Int {
        openDescriptors().count
    }

    /// Each open descriptor with what it refers to (`socket:[1234]`, `pipe:[…]`, a path), so a
    /// failing leak test can say what leaked.
    public static func openDescriptors() -> [(descriptor: Int32, target: String)] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        let listing = dirfd(directory)
        var result: [(descriptor: Int32, target: String)] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let descriptor = Int32(name), descriptor != listing else { continue }
            result.append((descriptor, linkTarget("/proc/self/fd/\(name)")))
        }
        return result
    }

    private static func linkTarget(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return "?" }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
