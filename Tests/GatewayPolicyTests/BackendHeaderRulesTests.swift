@testable import GatewayConfig
import Testing

@testable import GatewayPolicy

@Suite("BackendHeaderRules.plain (SPEC §5.3)")
struct BackendHeaderRulesTests {
    let context = ForwardingContext(clientAddress: "192.0.2.7", scheme: "http", host: "api.example.com", requestId: "rid-1")

    func upstream(_ client: [(String, String)], edits: HeaderEdits? = nil) -> [(name: String, value: String)] {
        BackendHeaderRules.plain.upstreamRequestHeaders(
            client: client.map { (name: $0.0, value: $0.1) },
            context: context,
            routeEdits: CompiledHeaderEdits(edits)
        )
    }

    static let dropped: [(String, String)] = [
        ("Connection", "close"), ("Keep-Alive", "timeout=5"), ("Proxy-Connection", "keep-alive"),
        ("TE", "trailers"), ("Trailer", "X-T"), ("Transfer-Encoding", "chunked"), ("Upgrade", "h2c"),
        ("Proxy-Authorization", "Basic x"), ("Proxy-Authenticate", "Basic"), ("Host", "client.example"),
        ("Content-Length", "5"), ("Expect", "100-continue"), ("X-Forwarded-For", "1.2.3.4"),
        ("x-forwarded-proto", "https"), ("X-FORWARDED-HOST", "evil"), ("X-Forwarded-Port", "1"),
        ("Forwarded", "for=1.2.3.4"), ("X-Request-Id", "client-id"), ("X-Real-IP", "1.2.3.4"),
        ("True-Client-IP", "1.2.3.4"), ("x-original-url", "/admin"), ("X-Rewrite-URL", "/admin"),
    ]

    @Test(arguments: dropped)
    func clientHeaderIsNotForwarded(name: String, value: String) {
        let names = upstream([(name, value), ("X-Keep", "1")]).map { $0.name.lowercased() }
        let own: Set = ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-request-id"]
        #expect(!names.contains { $0 == name.lowercased() && !own.contains($0) })
        #expect(names.first == "x-keep")
    }

    @Test func namesListedInConnectionAreDropped() {
        let names = upstream([("Connection", "X-A, x-b ,keep-alive"), ("X-A", "1"), ("X-B", "2"), ("X-C", "3")])
            .map(\.name)
        #expect(names.prefix(1) == ["X-C"])
        #expect(!names.contains("X-A") && !names.contains("X-B"))
    }

    @Test func gatewayAddsItsOwnForwardingHeadersAfterTheClientsInOrder() {
        let headers = upstream([("Accept", "a"), ("Cookie", "x=1"), ("Accept", "b")])
        #expect(headers.map(\.name) == ["Accept", "Cookie", "Accept", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-Id"])
        #expect(headers.map(\.value) == ["a", "x=1", "b", "192.0.2.7", "http", "api.example.com", "rid-1"])
    }

    @Test func routeEditsApplyLastAndReplaceEveryLine() {
        let edits = HeaderEdits(set: [("X-Gateway", "1")], remove: ["x-debug"])
        let headers = upstream([("X-Debug", "1"), ("x-gateway", "client"), ("X-Gateway", "client2"), ("X-Other", "o")], edits: edits)
        #expect(headers.first?.name == "X-Other")
        #expect(headers.last.map { [$0.name, $0.value] } == ["X-Gateway", "1"])
        #expect(headers.filter { $0.name.lowercased() == "x-gateway" }.count == 1)
        #expect(!headers.contains { $0.name.lowercased() == "x-debug" })
    }

    @Test func responseHopByHopIsDroppedAndRequestIdReplaced() {
        let headers = BackendHeaderRules.plain.clientResponseHeaders(
            backend: [
                ("Content-Type", "text/plain"), ("Connection", "X-Secret"), ("X-Secret", "s"),
                ("Transfer-Encoding", "chunked"), ("Set-Cookie", "a=1"), ("X-Request-Id", "other"),
                ("Set-Cookie", "b=2"), ("Keep-Alive", "timeout=5"),
            ],
            requestId: "rid-1",
            routeEdits: CompiledHeaderEdits(nil)
        )
        #expect(headers.map(\.name) == ["Content-Type", "Set-Cookie", "Set-Cookie", "X-Request-Id"])
        #expect(headers.map(\.value) == ["text/plain", "a=1", "b=2", "rid-1"])
    }
}
