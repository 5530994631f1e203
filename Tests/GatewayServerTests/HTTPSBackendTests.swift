import Foundation
import GatewayTestSupport
import Testing

/// `https://` backends through libcurl's TLS: verified against `caFile`, and against the system
/// store otherwise (which does not trust a self-signed test certificate).
@Suite("HTTPS backends", .serialized)
struct HTTPSBackendTests {
    @Test func httpsBackendWithCaFileIsProxied() async throws {
        let backend = try PythonTLSBackend()
        defer { backend.stop() }
        try await withTLSGateway(backend: backend, caFile: backend.certificatePath) { gateway in
            let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/hello?x=1")
            #expect(response.status == 200)
            #expect(response.bodyText == "secure /hello?x=1")
        }
    }

    @Test func untrustedCertificateIsA502() async throws {
        let backend = try PythonTLSBackend()
        defer { backend.stop() }
        try await withTLSGateway(backend: backend, caFile: nil) { gateway in
            let response = try RawHTTPClient.request(port: gateway.port, path: "/fn/hello")
            #expect(response.status == 502)
            #expect(try UpstreamFailureTests.errorBody(response).error == "upstream_unavailable")
        }
    }

    private func withTLSGateway(
        backend: PythonTLSBackend, caFile: String?, _ body: (GatewayHarness) async throws -> Void
    ) async throws {
        let caSetting = caFile.map { #""caFile": "\#($0)""# } ?? ""
        try await withGateway(frontOf: "https://127.0.0.1:\(backend.port)", backend: caSetting, body)
    }
}

/// A TLS backend in a child process: Debian's python3 `http.server` wrapped in `ssl`, with a
/// self-signed certificate for 127.0.0.1 made by the `openssl` command. It answers
/// `secure <target>` to every GET.
final class PythonTLSBackend {
    let port: Int
    let certificatePath: String
    private let process: Process

    init() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", key, "-out", certificate,
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        guard waitForExit(openssl, timeout: .seconds(30)), openssl.terminationStatus == 0 else { throw PythonTLSBackendError.certificate }

        let script = """
            import http.server, ssl, sys
            class Handler(http.server.BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"
                def do_GET(self):
                    body = ("secure " + self.path).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args):
                    pass
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[1], sys.argv[2])
            server.socket = context.wrap_socket(server.socket, server_side=True)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, certificate, key]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = ContinuousClock.now + .seconds(10)
        while !text.contains("\n"), process.isRunning, ContinuousClock.now < deadline {
            text += String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        }
        guard let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            throw PythonTLSBackendError.noPort(text)
        }
        self.port = port
        self.certificatePath = certificate
        self.process = process
    }

    /// SIGKILL: the child may have inherited an ignored SIGTERM from the test runner.
    func stop() {
        kill(self.process.processIdentifier, SIGKILL)
        _ = waitForExit(self.process, timeout: .seconds(10))
    }
}

enum PythonTLSBackendError: Error {
    case certificate
    case noPort(String)
}
