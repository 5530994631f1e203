import Logging
import Testing
@testable import GatewayLogging

@Suite("StructuredLogHandler through a Logger", .timeLimit(.minutes(1)))
struct StructuredLogHandlerTests {
    static let expected: [(format: LogFormat, lines: [String])] = [
        (.logfmt, [
            #"time=2026-11-30T02:10:00.123Z level=debug logger=gateway.http msg=routing route=/api service=edge"#,
            #"time=2026-11-30T02:10:00.123Z level=error logger=gateway.http msg="upstream failed\nretrying" service=edge status=502"#,
        ]),
        (.json, [
            #"{"time":"2026-11-30T02:10:00.123Z","level":"debug","logger":"gateway.http","msg":"routing","route":"/api","service":"edge"}"#,
            #"{"time":"2026-11-30T02:10:00.123Z","level":"error","logger":"gateway.http","msg":"upstream failed\nretrying","service":"edge","status":502}"#,
        ]),
    ]

    @Test("one line per message above the logger's level", arguments: expected)
    func logger(format: LogFormat, lines expectedLines: [String]) throws {
        try withPipeWriter { pipe, writer in
            var logger = Logger(label: "gateway.http") {
                StructuredLogHandler(label: $0, format: format, writer: writer, clock: { fixedTime })
            }
            logger.logLevel = .debug
            logger[metadataKey: "service"] = "edge"
            logger.trace("below the level")
            logger.debug("routing", metadata: ["route": "/api"])
            logger.error("upstream failed\nretrying", metadata: ["status": .stringConvertible(502)])
            writer.flush()
            #expect(lines(pipe.readAvailable()) == expectedLines)
        }
    }

    @Test("handler metadata and level are per logger copy")
    func valueSemantics() {
        let writer = LogLineWriter(fileDescriptor: -1)
        defer { writer.shutdown() }
        var first = StructuredLogHandler(label: "a", format: .logfmt, writer: writer)
        #expect(first.logLevel == .info)
        first[metadataKey: "k"] = "1"
        var second = first
        second[metadataKey: "k"] = "2"
        second.logLevel = .trace
        #expect(first[metadataKey: "k"] == "1")
        #expect(second.metadata == ["k": "2"])
        #expect(first.logLevel == .info)
    }
}
