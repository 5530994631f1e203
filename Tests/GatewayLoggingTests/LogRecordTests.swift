import Logging
import Testing
@testable import GatewayLogging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@Suite("Line contents")
struct LogRecordTests {
    @Test("metadata follows the fixed fields, sorted by key")
    func keyOrder() {
        let line = LogfmtLine.render(record(metadata: ["zeta": "1", "alpha": "2", "Mid": "3", "beta": "4"]))
        #expect(line.hasSuffix("msg=hello Mid=3 alpha=2 beta=4 zeta=1"))
    }

    @Test("per-call metadata overrides the handler's")
    func merge() {
        let merged = record(metadata: ["b": "call", "c": "call"], handlerMetadata: ["a": "handler", "b": "handler"])
        #expect(LogfmtLine.render(merged).hasSuffix("msg=hello a=handler b=call c=call"))
    }

    @Test("metadata cannot shadow the fixed fields")
    func reservedKeys() {
        let line = LogfmtLine.render(record(level: .info, metadata: ["level": "critical", "msg": "fake", "time": "0"]))
        #expect(line.hasSuffix(" level=info logger=test msg=hello fields.level=critical fields.msg=fake fields.time=0"))
    }

    struct UpstreamError: Error, CustomStringConvertible {
        var description: String { "connection refused" }
    }

    @Test("an error passed with the call is written as error.message and error.type")
    func error() {
        let line = LogfmtLine.render(record(error: UpstreamError()))
        #expect(line.hasSuffix(#"msg=hello error.message="connection refused" error.type=GatewayLoggingTests.LogRecordTests.UpstreamError"#))
    }

    static let levels: [(level: Logger.Level, name: String)] = [
        (.trace, "trace"), (.debug, "debug"), (.info, "info"), (.notice, "notice"),
        (.warning, "warning"), (.error, "error"), (.critical, "critical"),
    ]

    @Test("levels carry swift-log's names in both formats", arguments: levels)
    func levelName(level: Logger.Level, name: String) {
        #expect(LogfmtLine.render(record(level: level)).contains(" level=\(name) "))
        #expect(JSONLine.render(record(level: level)).contains(#","level":"\#(name)","#))
    }

    static let times: [(seconds: Int, nanoseconds: Int, written: String)] = [
        (0, 0, "1970-01-01T00:00:00.000Z"),
        (1_796_004_600, 123_456_789, "2026-11-30T02:10:00.123Z"),
        (981_173_106, 7_000_000, "2001-02-03T04:05:06.007Z"),      // zero padding everywhere
        (951_868_799, 999_999_999, "2000-02-29T23:59:59.999Z"),    // leap day; truncated, not rounded
        (4_102_444_800, 50_000_000, "2100-01-01T00:00:00.050Z"),
        (-1, 500_000_000, "1969-12-31T23:59:59.500Z"),
    ]

    @Test("time is RFC 3339 UTC with milliseconds", arguments: times)
    func time(seconds: Int, nanoseconds: Int, written: String) {
        var bytes: [UInt8] = []
        bytes.append(rfc3339: timespec(tv_sec: seconds, tv_nsec: nanoseconds))
        #expect(String(decoding: bytes, as: UTF8.self) == written)
    }
}
