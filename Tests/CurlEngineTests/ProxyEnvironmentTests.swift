import CurlEngine
import Foundation
import NIOCore
import NIOPosix
import Testing

/// F7, SPEC §11: proxy variables in the environment never redirect backend traffic.
@Suite("Environment proxies are ignored", .serialized)
struct ProxyEnvironmentTests {
    @Test func transferGoesStraightToTheBackendDespiteProxyVariables() async throws {
        let proxy = try LoopbackBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nfrom proxy")
        let backend = try LoopbackBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nbackend")
        let names = ["http_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"]
        let saved = names.map { ($0, getenv($0).map { String(cString: $0) }) }
        for name in ["http_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"] {
            setenv(name, "http://127.0.0.1:\(proxy.port)", 1)
        }
        unsetenv("NO_PROXY")
        unsetenv("no_proxy")
        let engine = CurlEngine()
        defer {
            engine.shutdown()
            for (name, value) in saved {
                if let value { setenv(name, value, 1) } else { unsetenv(name) }
            }
            proxy.shutdown()
            backend.shutdown()
        }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let probe = TransferProbe()
        _ = try await onLoop(loop) {
            _ = engine.startTransfer(testRequest(backend.baseURL + "/direct"), on: loop, delegate: probe)
        }
        #expect(await probe.waitForOutcome() == .end)
        #expect(String(decoding: probe.body, as: UTF8.self) == "backend")
        #expect(proxy.connectionCount == 0, "the proxy listener saw \(proxy.connectionCount) connection(s)")
        #expect(backend.connectionCount == 1)
    }
}
