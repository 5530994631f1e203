#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file read through one descriptor: its bytes and the `fstat` of that descriptor, so
/// a file replaced while it is read can never pair one file's identity with another's bytes.
/// gateway.json (at start and on reload) and package.json files are read this way.
public struct FileContents {
    public let bytes: [UInt8]
    public let info: stat

    public enum Failure: Error, Equatable {
        /// `open`, `fstat` or `read` failed; the `strerror` text ("No such file or directory").
        case system(String)
        case isDirectory
        /// More than the caller's `maxBytes`.
        case tooLarge

        /// For "cannot read PATH: …" messages, in `strerror`'s words.
        public var reason: String {
            switch self {
            case .system(let text): text
            case .isDirectory: String(cString: strerror(EISDIR))
            case .tooLarge: String(cString: strerror(EFBIG))
            }
        }
    }

    public static func read(_ path: String, maxBytes: Int = .max) -> Result<FileContents, Failure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(.system(errnoText())) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .failure(.system(errnoText())) }
        if (info.st_mode & S_IFMT) == S_IFDIR { return .failure(.isDirectory) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes.append(contentsOf: chunk[..<count])
                if bytes.count > maxBytes { return .failure(.tooLarge) }
            } else if count == 0 {
                return .success(FileContents(bytes: bytes, info: info))
            } else if errno != EINTR {
                return .failure(.system(errnoText()))
            }
        }
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
