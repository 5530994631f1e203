import Logging
import Testing
@testable import GatewayLogging

/// The access log's `LineLogger` must write what swift-log through `StructuredLogHandler` writes
/// for the same line, byte for byte, in both formats: readers of the log cannot tell the paths apart.
@Suite("LineLogger", .timeLimit(.minutes(1)))
struct LineLoggerTests {
    /// Values that exercise every escaping rule of both formats.
    static let awkward = ["", "plain", "with space", "quote\"d", "back\\slash", "eq=als", "new\nline", "tab\tcr\r",
                          "nul\u{0}del\u{7F}", "é ünï", "/fn/x?y"]

    @Test("the same bytes as StructuredLogHandler", arguments: [LogFormat.logfmt, .json], awkward)
    func sameBytes(format: LogFormat, text: String) throws {
        try withPipeWriter { pipe, writer in
            let viaSwiftLog = Logger(label: "cors-gateway.access") {
                StructuredLogHandler(label: $0, format: format, writer: writer, clock: { fixedTime })
            }
            viaSwiftLog.info("request", metadata: [
                "a_text": "\(text)", "b_count": .stringConvertible(-42), "c_big": .stringConvertible(1_234_567_890),
                "d_flag": .stringConvertible(false), "e_ms": .stringConvertible(0.125), "f_ms": .stringConvertible(12.0),
                "g_zero": .stringConvertible(0),
            ])
            let direct = LineLogger(label: "cors-gateway.access", format: format, logLevel: .info, writer: writer,
                                    clock: { fixedTime })
            direct.log(.info, "request") { fields in
                fields.add("a_text", text)
                fields.add("b_count", -42)
                fields.add("c_big", 1_234_567_890)
                fields.add("d_flag", false)
                fields.add("e_ms", 0.125)
                fields.add("f_ms", 12.0)
                fields.add("g_zero", 0)
            }
            writer.flush()
            let written = try #require(lines(pipe.readAvailable()))
            #expect(written.count == 2)
            #expect(written.first == written.last, "\(written)")
        }
    }

    @Test("lines below the logger's level are not written")
    func level() throws {
        try withPipeWriter { pipe, writer in
            let logger = LineLogger(label: "x", format: .logfmt, logLevel: .warning, writer: writer, clock: { fixedTime })
            logger.log(.info, "quiet") { $0.add("k", 1) }
            logger.log(.warning, "loud") { $0.add("k", 2) }
            writer.flush()
            #expect(lines(pipe.readAvailable()) == ["time=2026-11-30T02:10:00.123Z level=warning logger=x msg=loud k=2"])
        }
    }

    @Test("a line past maxBufferedBytes is dropped whole, leaving the lines before it intact")
    func overflowCutsTheLineOut() throws {
        try withPipeWriter(maxBufferedBytes: 120) { pipe, writer in
            let filler = pipe.fill()
            let logger = LineLogger(label: "x", format: .json, logLevel: .info, writer: writer, clock: { fixedTime })
            for index in 0..<6 { logger.log(.info, "m") { $0.add("i", index) } }
            #expect(writer.droppedLines >= 3)
            let output = try #require(collect(pipe, writer))
            let received = try #require(lines(Array(output.dropFirst(filler))))
            #expect(received.count == 6 - writer.droppedLines)
            #expect(received.allSatisfy { $0.hasPrefix("{\"time\"") && $0.hasSuffix("}") }, "\(received)")
        }
    }
}
