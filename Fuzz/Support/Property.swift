#if canImport(Glibc)
import Glibc
#endif

/// A property every input must keep. A violation prints what was seen and traps, which
/// libFuzzer reports as a crash and saves the input as `crash-<hash>`.
public func property(_ holds: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    guard !holds else { return }
    var text = "property violated (\(file):\(line)): \(message())\n"
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
    abort()
}

/// The input as bytes, and as text the way the gateway's String-based code would see it.
public struct FuzzInput {
    public let bytes: [UInt8]

    public init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        self.bytes = Array(UnsafeBufferPointer(start: data, count: size))
    }

    public var text: String { String(decoding: self.bytes, as: UTF8.self) }

    /// The input split at LF, each part without its LF.
    public var lines: [String] {
        self.bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }
}
