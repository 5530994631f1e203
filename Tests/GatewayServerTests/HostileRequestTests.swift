import Foundation
import GatewayTestSupport
import Testing

/// Regression tests for SPEC §11's hostile requests at the edge (issue 13: defects 7, 10, 11,
/// 12 and 14), over real sockets through an in-process gateway and libcurl. Each one fails at
/// af79622, as its comment says.
@Suite("Hostile requests at the edge (SPEC §11)", .serialized)
struct HostileRequestTests {
    static func errorCode(_ response: RawResponse) -> String? {
        try? UpstreamFailureTests.errorBody(response).error
    }

    // MARK: Header names with underscores (defect 7)

    /// A CGI or WSGI backend reads `X_Forwarded_For` as `X-Forwarded-For` (both are
    /// `HTTP_X_FORWARDED_FOR`), and the spoofed address first in the list wins. By default no
    /// name with `_` reaches a plain or a function backend. At af79622 both got it.
    @Test(arguments: ["", #""runtimeHandler": "2.1.2""#])
    func underscoreNamesAreDroppedBeforeTheBackend(backendKind: String) async throws {
        try await withGateway(backend: backendKind) { gateway, backend in
            let response = try RawHTTPClient.request(
                port: gateway.port, path: "/fn/echo/u",
                headers: [("X_Forwarded_For", "6.6.6.6"), ("X-Keep", "1"), ("x_real_ip", "6.6.6.6")])
            #expect(response.status == 200)
            let request = try #require(backend.requests.last)
            #expect(request.headerNames.filter { $0.contains("_") } == [])
            #expect(request.values(of: "x-keep") == ["1"])
            #expect(request.values(of: "x-forwarded-for") == (backendKind.isEmpty ? ["127.0.0.1"] : []))
        }
    }

    /// `limits.underscoreHeaders: "reject"`: 400 `bad_request`, nothing forwarded, the
    /// connection closed. At af79622 the key was refused, so the gateway did not start.
    @Test func underscoreNamesAreRefusedInRejectMode() async throws {
        try await withGateway(limits: #""underscoreHeaders": "reject""#) { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.sendRequest(path: "/fn/echo/u", headers: [("X_Forwarded_For", "6.6.6.6")])
            let response = try client.readResponse(timeout: .seconds(3))
            #expect(response.status == 400)
            #expect(Self.errorCode(response) == "bad_request")
            #expect(try client.isClosedByPeer(within: .seconds(2)))
            #expect(backend.requests.isEmpty)
            let clean = try RawHTTPClient.request(port: gateway.port, path: "/fn/echo/clean", headers: [("X-Forwarded-For", "6.6.6.6")])
            #expect(clean.status == 200)
        }
    }

    /// `"allow"`: the operator's choice, such a name passes as sent.
    @Test func underscoreNamesPassInAllowMode() async throws {
        try await withGateway(limits: #""underscoreHeaders": "allow""#) { gateway, backend in
            let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/echo/u", headers: [("X_Forwarded_For", "6.6.6.6")])
            #expect(response.status == 200)
            #expect(backend.requests.last?.values(of: "X_Forwarded_For") == ["6.6.6.6"])
            #expect(backend.requests.last?.values(of: "x-forwarded-for") == ["127.0.0.1"])
        }
    }

    /// Headers other proxies set for the client's address or the original path (nginx's
    /// realip, Akamai and Cloudflare, IIS and old Symfony routing) never reach a plain backend:
    /// the gateway is the edge, so a client sent them. At af79622 all four passed.
    @Test func clientAddressAndPathOverridesNeverReachAPlainBackend() async throws {
        try await withGateway { gateway, backend in
            let response = try RawHTTPClient.request(
                port: gateway.port, path: "/fn/echo/public",
                headers: [("X-Real-IP", "6.6.6.6"), ("True-Client-IP", "6.6.6.6"), ("X-Original-URL", "/admin"), ("X-Rewrite-URL", "/admin")])
            #expect(response.status == 200)
            let request = try #require(backend.requests.last)
            for name in ["x-real-ip", "true-client-ip", "x-original-url", "x-rewrite-url"] {
                #expect(request.values(of: name).isEmpty, "\(name) reached the backend")
            }
            #expect(request.uri == "/echo/public")
        }
    }

    // MARK: Upgrade, CONNECT and TRACE (defect 12)

    static let upgradeHeaders = [("Connection", "Upgrade, HTTP2-Settings"), ("Upgrade", "h2c"), ("HTTP2-Settings", "AAMAAABkAAQCAAAAAAIAAAAA")]

    /// An `Upgrade: h2c` request is answered as HTTP/1.1 without its upgrade headers reaching
    /// the backend, and a request pipelined behind it (or sent after its answer) is answered
    /// too. At af79622 NIO's decoder stopped after the upgrade request: the second request was
    /// never read (the client times out waiting for it).
    @Test(arguments: [(method: "GET", pipelined: true), ("GET", false), ("POST", true)])
    func requestsBehindAnUpgradeRequestAreAnswered(method: String, pipelined: Bool) async throws {
        try await withGateway { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            let host = "127.0.0.1:\(gateway.port)"
            let upgrade = RawHTTPClient.requestBytes(
                method: method, path: "/fn/echo/upgrade", host: host, headers: Self.upgradeHeaders,
                body: method == "POST" ? Array("abc".utf8) : nil)
            let next = RawHTTPClient.requestBytes(method: "GET", path: "/fn/echo/next", host: host)
            try client.send(pipelined ? upgrade + next : upgrade)
            let first = try client.readResponse(timeout: .seconds(3))
            #expect(first.status == 200)
            let report = try EchoReport(json: first.body)
            for name in ["upgrade", "http2-settings", "connection"] {
                #expect(report.values(of: name).isEmpty, "\(name) reached the backend")
            }
            #expect(report.bodyBytes == (method == "POST" ? 3 : 0))
            if !pipelined { try client.send(next) }
            let second = try client.readResponse(timeout: .seconds(3))
            #expect(second.status == 200)
            #expect(try EchoReport(json: second.body).uri == "/echo/next")
            #expect(backend.requests.map(\.uri) == ["/echo/upgrade", "/echo/next"])
        }
    }

    enum RefusedMethod: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case connectOriginForm, connectAuthorityForm, trace

        func requestLine(port: Int) -> String {
            switch self {
            case .connectOriginForm: "CONNECT /fn/echo/c HTTP/1.1"
            case .connectAuthorityForm: "CONNECT 127.0.0.1:\(port) HTTP/1.1"
            case .trace: "TRACE /fn/echo/t HTTP/1.1"
            }
        }

        var testDescription: String { self.rawValue }
    }

    /// `CONNECT` and `TRACE` get 405 with SPEC §7's JSON body and never reach the backend. A
    /// TRACE's connection stays open; after a CONNECT it closes (what follows was meant for a
    /// tunnel). At af79622 an origin-form CONNECT and TRACE were forwarded, and an
    /// authority-form CONNECT was 400.
    @Test(arguments: RefusedMethod.allCases)
    func connectAndTraceAreRefusedWith405(method: RefusedMethod) async throws {
        try await withGateway { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.send("\(method.requestLine(port: backend.port))\r\nHost: 127.0.0.1:\(gateway.port)\r\nX-Request-Id: refused-1\r\n\r\n")
            let response = try client.readResponse(timeout: .seconds(3))
            #expect(response.status == 405)
            #expect(response.reason == "Method Not Allowed")
            #expect(response.header("content-type") == "application/json")
            let body = try UpstreamFailureTests.errorBody(response)
            #expect(body.error == "method_not_allowed")
            #expect(body.requestId == "refused-1")
            #expect(response.header("x-request-id") == "refused-1")
            #expect(response.values(of: "allow").isEmpty)
            if method == .trace {
                try client.sendRequest(path: "/fn/echo/after")
                #expect(try client.readResponse(timeout: .seconds(3)).status == 200)
                #expect(backend.requests.map(\.uri) == ["/echo/after"])
            } else {
                #expect(try client.isClosedByPeer(within: .seconds(2)))
                #expect(backend.requests.isEmpty)
            }
        }
    }

    // MARK: Cookie filter evasion (defect 14)

    /// `forward: ["session"]` with `Cookie: session=x, admin=1`: a comma-splitting parser
    /// behind the gateway would see `admin`, so the ambiguous pair is not forwarded; a
    /// well-formed one still is. At af79622 the whole line reached the backend.
    @Test func aCookieHiddenBehindACommaNeverReachesTheBackend() async throws {
        try await withGateway(route: #""cookies": { "forward": ["session"] }"#) { gateway, backend in
            let hidden = try RawHTTPClient.request(
                port: gateway.port, path: "/fn/echo/hidden", headers: [("Cookie", "session=x, admin=1"), ("Cookie", "theme=dark")])
            #expect(hidden.status == 200)
            #expect(backend.requests.last?.values(of: "cookie") == [])
            let plain = try RawHTTPClient.request(port: gateway.port, path: "/fn/echo/plain", headers: [("Cookie", "session=x; admin=1")])
            #expect(plain.status == 200)
            #expect(backend.requests.last?.values(of: "cookie") == ["session=x"])
        }
    }

    // MARK: Request bodies read as llhttp framed them (defects 10 and 11)

    /// `Content-Length: 5 ` (llhttp allows whitespace after the digits) frames a five-byte
    /// body. At 880639f (before the exchange state machines, which fixed it) the value was not a
    /// number to the gateway, so the backend got a POST without body or length, the 413 check
    /// was skipped, and the body bytes were lost.
    @Test(arguments: ["5 ", " 5"])
    func aContentLengthWithWhitespaceKeepsItsBody(value: String) async throws {
        try await withGateway(limits: #""maxRequestBodyBytes": 16"#) { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.send("POST /fn/echo/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(value)\r\n\r\nhello")
            #expect(try client.readResponse(timeout: .seconds(3)).status == 200)
            let request = try #require(backend.requests.last)
            #expect(request.values(of: "content-length") == ["5"])
            #expect(request.bodyBytes == 5)
            #expect(request.checksum == TestBackend.checksum(Array("hello".utf8)))
            // And the limit applies to it.
            try client.send("POST /fn/echo/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 17 \r\n\r\n")
            #expect(try client.readResponse(timeout: .seconds(3)).status == 413)
        }
    }

    /// A chunked body whose framing breaks after the first chunk went upstream: 400 while no
    /// response head went out, the transfer cancelled and the connection closed. At 880639f
    /// the connection was just closed, with no answer.
    @Test func aChunkedBodyThatTurnsMalformedMidwayIs400() async throws {
        try await withGateway { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.send("POST /fn/echo/chunks HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            try await backend.waitUntil("the first chunk upstream") { $0.requests.last?.bodyBytes == 5 }
            try client.send("zz\r\n")  // not a chunk size
            let response = try client.readResponse(timeout: .seconds(3))
            #expect(response.status == 400)
            #expect(Self.errorCode(response) == "bad_request")
            #expect(try client.isClosedByPeer(within: .seconds(2)))
            #expect(await gateway.eventually { gateway.engine.transfersInFlight == 0 })
            #expect(backend.requests.last?.bodyComplete == false)
        }
    }

    // MARK: Framing found by the smuggling differential (Docs/security.md)

    /// `Content-Length: 9223372036854775808` (2^63) does not fit an Int. It was read as no
    /// Content-Length: the backend got a POST without a body, the 413 check never ran, and the
    /// client's bytes waited in the decoder as the body of nothing. Before the fix: 200 from the
    /// backend, connection kept open.
    @Test func contentLengthBeyondIntMaxIs413() async throws {
        try await withGateway { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.send("POST /fn/echo/huge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 9223372036854775808\r\n\r\nhello")
            let response = try client.readResponse(timeout: .seconds(3))
            #expect(response.status == 413)
            #expect(Self.errorCode(response) == "body_too_large")
            #expect(try client.isClosedByPeer(within: .seconds(2)))
            #expect(backend.requests.isEmpty)
        }
    }

    static let refusedCodings = [
        ("HTTP/1.1", "Transfer-Encoding: gzip, chunked"), ("HTTP/1.1", "Transfer-Encoding: identity, chunked"),
        ("HTTP/1.1", "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked"), ("HTTP/1.0", "Transfer-Encoding: chunked"),
    ]

    /// A transfer coding besides chunked, or chunked on HTTP/1.0 (which has no transfer codings,
    /// RFC 9112 §6.1): llhttp decoded the chunks, the coding was dropped as hop-by-hop, and the
    /// backend took the still gzip-coded bytes for plain content. Before the fix: forwarded,
    /// 200. Now 400 and close.
    @Test(arguments: refusedCodings)
    func transferCodingsOtherThanChunkedAloneAre400(version: String, lines: String) async throws {
        try await withGateway { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.send("POST /fn/echo/coded \(version)\r\nHost: 127.0.0.1\r\n\(lines)\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
            let response = try client.readResponse(timeout: .seconds(3))
            #expect(response.status == 400)
            #expect(Self.errorCode(response) == "bad_request")
            #expect(try client.isClosedByPeer(within: .seconds(2)))
            #expect(backend.requests.isEmpty)
        }
    }

    /// chunked alone still frames the body whatever its case and the empty list elements around
    /// it (llhttp itself refuses a trailing one, `chunked,`: 400).
    @Test(arguments: ["Transfer-Encoding: Chunked", "Transfer-Encoding: , chunked", "Transfer-Encoding:\r\nTransfer-Encoding: chunked"])
    func chunkedAloneInAnySpellingIsForwarded(lines: String) async throws {
        try await withGateway { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.send("POST /fn/echo/chunked HTTP/1.1\r\nHost: 127.0.0.1\r\n\(lines)\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
            #expect(try client.readResponse(timeout: .seconds(3)).status == 200)
            #expect(backend.requests.last?.bodyBytes == 5)
        }
    }

    /// A fragment is no part of a request target (RFC 9112 §3.2). Routes saw `/x#/y` while curl
    /// sent `/x` to the backend, so a request could be judged by a catch-all route and served as
    /// a path another route guards. Before the fix: forwarded as `/echo/x`, 200. Now 400.
    @Test func fragmentInTheTargetIs400() async throws {
        try await withGateway { gateway, backend in
            let client = try RawHTTPClient.connect(port: gateway.port)
            defer { client.close() }
            try client.send("GET /fn/echo/x#frag HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let response = try client.readResponse(timeout: .seconds(3))
            #expect(response.status == 400)
            #expect(Self.errorCode(response) == "bad_request")
            #expect(backend.requests.isEmpty)
        }
    }
}
