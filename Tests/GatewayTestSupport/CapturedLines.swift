import Foundation
import GatewayLogging
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A `LineLogger` writing logfmt to a temporary file, as the access log writes to stdout, and the
/// lines read back as entries: tests see the bytes the gateway really writes.
public final class CapturedLines: Sendable {
    public let logger: LineLogger
    private let writer: LogLineWriter
    private let path: String
    private let descriptor: Int32

    public init(label: String = "access") {
        self.path = NSTemporaryDirectory() + "captured-lines-\(UUID().uuidString).log"
        self.descriptor = open(self.path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o600)
        precondition(self.descriptor >= 0, "cannot create \(self.path): errno \(errno)")
        self.writer = LogLineWriter(fileDescriptor: self.descriptor)
        self.logger = LineLogger(label: label, format: .logfmt, logLevel: .trace, writer: self.writer)
    }

    deinit {
        self.writer.shutdown()
        close(self.descriptor)
        unlink(self.path)
    }

    /// Every line written so far (flushed first), parsed.
    public var entries: [CapturedLog.Entry] {
        _ = self.writer.flush(timeout: .seconds(5))
        let text = (try? String(contentsOfFile: self.path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { Self.parse(Array($0.utf8)) }
    }

    /// One logfmt line: `key=bare` or `key="json string"` pairs separated by single spaces.
    static func parse(_ line: [UInt8]) -> CapturedLog.Entry {
        var fields: [String: String] = [:]
        var index = 0
        while index < line.count {
            let keyStart = index
            while index < line.count && line[index] != UInt8(ascii: "=") { index += 1 }
            let key = String(decoding: line[keyStart..<index], as: UTF8.self)
            index += 1
            var value: [UInt8] = []
            if index < line.count && line[index] == UInt8(ascii: "\"") {
                index += 1
                while index < line.count && line[index] != UInt8(ascii: "\"") {
                    if line[index] == UInt8(ascii: "\\") && index + 1 < line.count {
                        index += 1
                        switch line[index] {
                        case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                        case UInt8(ascii: "r"): value.append(UInt8(ascii: "\r"))
                        case UInt8(ascii: "t"): value.append(UInt8(ascii: "\t"))
                        case UInt8(ascii: "u"):
                            let hex = String(decoding: line[(index + 1)..<min(index + 5, line.count)], as: UTF8.self)
                            value.append(UInt8(UInt32(hex, radix: 16) ?? 0x3F))
                            index += 4
                        default: value.append(line[index])
                        }
                    } else {
                        value.append(line[index])
                    }
                    index += 1
                }
                index += 1
            } else {
                while index < line.count && line[index] != UInt8(ascii: " ") {
                    value.append(line[index])
                    index += 1
                }
            }
            fields[key] = String(decoding: value, as: UTF8.self)
            index += 1  // the space
        }
        let level = fields.removeValue(forKey: "level").flatMap(Logger.Level.init(rawValue:)) ?? .critical
        let message = fields.removeValue(forKey: "msg") ?? ""
        fields["time"] = nil
        fields["logger"] = nil
        return CapturedLog.Entry(level: level, message: message, metadata: fields)
    }
}
