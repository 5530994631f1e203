import FetchCORS
import Testing

/// The `--origin` values probe accepts: what a browser could send.
struct OriginSyntaxTests {
    @Test(arguments: ["https://app.example.com", "http://localhost:3000", "http://127.0.0.1:8080", "null", "http://[::1]:8080", "chrome-extension://abc"])
    func valid(origin: String) {
        #expect(OriginSyntax.problem(with: origin) == nil)
    }

    @Test(arguments: [
        "app.example.com", "https://app.example.com/", "https://app.example.com/path", "HTTPS://app.example.com", "https://App.example.com",
        "https://app.example.com:443", "http://app.example.com:80", "https://", "https://a:99999", "https://a:", "https://u@a", "",
        "https://a b",
    ])
    func invalid(origin: String) {
        #expect(OriginSyntax.problem(with: origin) != nil)
    }
}
