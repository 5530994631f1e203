import FileContents
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
        switch FileContents.read(path) {
        case .success(let file):
            .success(FileSnapshot(bytes: file.bytes, fingerprint: FileFingerprint(info: file.info, bytes: file.bytes)))
        case .failure(let failure):
            .failure(ReadFailure(path: path, reason: failure.reason))
        }
    }

    struct ReadFailure: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var description: String { "cannot read \(path): \(reason)" }
    }
}
