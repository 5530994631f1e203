import GatewayPolicy
import Testing

/// SPEC §11: `Host` must be `host[:port]`: a DNS name without empty labels, a dotted-quad IPv4
/// address or a bracketed IPv6 address, and digits only after the colon.
@Suite("HostHeader")
struct HostHeaderTests {
    static let valid = [
        // DNS names, any case, with LDH and underscore labels, one trailing dot.
        "example.com", "API.Example.COM", "localhost", "a", "x-1.example.com", "my_service.internal",
        "example.com.", "1e100.net", "123.example.com", "xn--bcher-kva.example",
        String(repeating: "a", count: 63) + ".example",
        [String](repeating: String(repeating: "a", count: 62), count: 4).joined(separator: ".") + ".a",  // 253 bytes
        // Ports.
        "example.com:8080", "example.com:0", "example.com:65535", "example.com:00080",
        // IPv4.
        "127.0.0.1", "0.0.0.0", "255.255.255.255", "10.0.0.1:8443", "127.0.0.1.",
        // IPv6.
        "[::1]", "[::1]:8080", "[::]", "[2001:db8::1]", "[2001:DB8:0:0:8:800:200C:417A]", "[fe80::]",
        "[::ffff:192.0.2.1]", "[::192.0.2.1]", "[1:2:3:4:5:6:7::]", "[1:2:3:4:5:6:1.2.3.4]", "[1::2:3]:443",
    ]

    @Test("accepted", arguments: valid)
    func accepted(host: String) {
        #expect(HostHeader.isValid(host))
    }

    static let invalid = [
        // The reported attacks.
        "admin.internal:@evil.com", "x..example.com",
        // Empty values and labels.
        "", ".", "..", ".example.com", "example.com..", "a..b", ":8080",
        // Characters outside a name.
        "exa mple.com", "example.com/x", "user@example.com", "example.com\\x", "ex%61mple.com", "*.example.com",
        "example.com,other.com", "é.example",
        // Long labels and names.
        String(repeating: "a", count: 64) + ".example",
        [String](repeating: String(repeating: "a", count: 62), count: 4).joined(separator: ".") + ".ab",  // 254 bytes
        // Ports: digits only, 1 to 5 of them, up to 65535.
        "example.com:", "example.com:65536", "example.com:123456", "example.com:80a", "example.com:+80",
        "example.com: 80", "example.com:80:80", "example.com:-1",
        // Numbers that URL parsers read as IPv4 addresses, and broken dotted quads.
        "127.1", "2130706433", "0x7f.0.0.1", "127.0.0.0x1", "foo.123", "1.2.3.4.5", "256.0.0.1", "01.2.3.4",
        "1.2.3.", "1.2.3.4..", "1.2.3", "1.2.3.04", "1.2.3.00", "1.2.3.256", "1.2.3.1000", "1.2..3.4",
        "1.2.3.4.5.",
        // IPv6 without brackets or malformed.
        "::1", "[::1", "::1]", "[]", "[:]", "[:::]", "[1:::2]", "[1::2::3]", "[:1]", "[1:]", "[12345::]",
        "[1:2:3:4:5:6:7:8:9]", "[1:2:3:4:5:6:7]", "[1:2:3:4:5:6:7:8::]", "[g::1]", "[fe80::1%25eth0]",
        "[v1.x]", "[::1.2.3]", "[::1.2.3.04]", "[::1.2.3.4.5]", "[::1.2.3.256]", "[::1.2.3.4:5]", "[::1]x", "[::1]:", "[::1]:65536", "[::1]]",
    ]

    @Test("refused", arguments: invalid)
    func refused(host: String) {
        #expect(!HostHeader.isValid(host))
    }
}
