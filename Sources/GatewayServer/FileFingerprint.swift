import Foundation

/// What says a file changed: identity, size, modification time and a hash of the bytes
/// (so same-second edits, rename-replacements and symlink swaps all count).
struct FileFingerprint: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: Int64
    var contentHash: Int

    /// `info` is `stat` of the path (following symlinks), `bytes` what was read from it.
    init(info: stat, bytes: [UInt8]) {
        self.device = UInt64(info.st_dev)
        self.inode = UInt64(info.st_ino)
        self.size = Int64(info.st_size)
        self.modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        var hasher = Hasher()
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        self.contentHash = hasher.finalize()
    }

    /// nil when the file cannot be read (missing for a moment while it is replaced, say).
    init?(of path: String) {
        guard case .success(let file) = FileSnapshot.read(path) else { return nil }
        self = file.fingerprint
    }
}

/// A file's bytes together with the fingerprint of exactly those bytes (`fstat` of the
/// descriptor they were read from, so a replacement in between cannot mix two files).
struct FileSnapshot {
    let bytes: [UInt8]
    let fingerprint: FileFingerprint

    /// On failure, what went wrong, for an operator ("cannot read …: No such file or directory").
    static func read(_ path: String) -> Result<FileSnapshot, ReadFailure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(ReadFailure(path: path, errno: errno)) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .failure(ReadFailure(path: path, errno: errno)) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes.append(contentsOf: chunk[..<count])
            } else if count == 0 {
                return .success(FileSnapshot(bytes: bytes, fingerprint: FileFingerprint(info: info, bytes: bytes)))
            } else if errno != EINTR {
                return .failure(ReadFailure(path: path, errno: errno))
            }
        }
    }

    struct ReadFailure: Error, CustomStringConvertible {
        let path: String
        let errno: Int32
        var description: String { "cannot read \(path): \(String(cString: strerror(errno)))" }
    }
}
