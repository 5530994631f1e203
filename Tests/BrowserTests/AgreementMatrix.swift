/// One server behaviour of the probe/Chromium agreement matrix and the fetch made against it.
struct AgreementCase: Sendable {
    typealias Reply = CORSBehaviourServer.Reply

    var name: String
    var method: String = "GET"
    var headers: [(String, String)] = []
    var credentials = false
    /// The answer to an OPTIONS (the default: a 404 with nothing, for cases that need none).
    var preflight = Reply(404)
    var actual: Reply
    /// Response headers whose readability is compared (`headers.get` vs probe's readable list).
    var read: [String] = []
    /// Hazard codes probe must report (checked only for the cases that name some).
    var hazards: [String]? = nil
}

/// The matrix: each allow/deny header variant, wildcards with and without credentials,
/// Authorization under `*`, missing or wrong ACAC, duplicate ACAO, non-2xx and redirected
/// preflights, redirected actual requests, exposed headers, safelisted-value rules, hazards.
/// `page` is the page's origin; `{origin}` in a header value echoes whatever Origin the request had.
enum AgreementMatrix {
    /// Targets of the redirect cases (not fetched directly).
    static func redirectTargets(page: String) -> [String: CORSBehaviourServer.Behaviour] {
        [
            "target-allows-page": .init(preflight: .init(404), actual: .init(200, [("Access-Control-Allow-Origin", page)])),
            "target-no-acao": .init(preflight: .init(404), actual: .init(200)),
            "target-star": .init(preflight: .init(404), actual: .init(200, [("Access-Control-Allow-Origin", "*")])),
            "target-put-ok": .init(
                preflight: .init(204, [("Access-Control-Allow-Origin", page), ("Access-Control-Allow-Methods", "PUT")]),
                actual: .init(200, [("Access-Control-Allow-Origin", page)])),
        ]
    }

    static func cases(page: String) -> [AgreementCase] {
        let allow = ("Access-Control-Allow-Origin", page)
        let credentialsTrue = ("Access-Control-Allow-Credentials", "true")
        let long = String(repeating: "1", count: 128)
        return [
            // The CORS check on a simple GET.
            AgreementCase(name: "get-acao-exact", actual: .init(200, [allow])),
            AgreementCase(name: "get-no-acao", actual: .init(200)),
            AgreementCase(name: "get-acao-star", actual: .init(200, [("Access-Control-Allow-Origin", "*")])),
            AgreementCase(name: "get-acao-star-credentials", credentials: true, actual: .init(200, [("Access-Control-Allow-Origin", "*"), credentialsTrue])),
            AgreementCase(name: "get-acao-other-origin", actual: .init(200, [("Access-Control-Allow-Origin", "https://other.example")])),
            AgreementCase(name: "get-acao-trailing-slash", actual: .init(200, [("Access-Control-Allow-Origin", page + "/")])),
            AgreementCase(name: "get-acao-duplicate-lines", actual: .init(200, [allow, allow])),
            AgreementCase(name: "get-acao-comma-list", actual: .init(200, [("Access-Control-Allow-Origin", "\(page), https://other.example")])),
            AgreementCase(name: "get-acao-null", actual: .init(200, [("Access-Control-Allow-Origin", "null")])),
            AgreementCase(name: "get-acao-not-a-url", actual: .init(200, [("Access-Control-Allow-Origin", "foo")])),
            AgreementCase(name: "get-acao-uppercase", actual: .init(200, [("Access-Control-Allow-Origin", page.uppercased())])),
            AgreementCase(name: "get-acao-empty", actual: .init(200, [("Access-Control-Allow-Origin", "")])),
            AgreementCase(name: "get-credentials-acac-true", credentials: true, actual: .init(200, [allow, credentialsTrue])),
            AgreementCase(name: "get-credentials-no-acac", credentials: true, actual: .init(200, [allow])),
            AgreementCase(name: "get-credentials-acac-uppercase", credentials: true, actual: .init(200, [allow, ("Access-Control-Allow-Credentials", "TRUE")])),
            AgreementCase(name: "get-credentials-acac-duplicate", credentials: true, actual: .init(200, [allow, credentialsTrue, credentialsTrue])),
            AgreementCase(name: "get-acac-false-without-credentials", actual: .init(200, [allow, ("Access-Control-Allow-Credentials", "false")])),
            AgreementCase(name: "get-404-with-acao", actual: .init(404, [allow])),
            AgreementCase(name: "get-500-without-acao", actual: .init(500)),
            // Exposed headers.
            AgreementCase(
                name: "expose-listed", actual: .init(200, [allow, ("Access-Control-Expose-Headers", "x-exposed"), ("X-Exposed", "1"), ("X-Hidden", "1")]),
                read: ["x-exposed", "x-hidden", "content-length", "cache-control"]),
            AgreementCase(
                name: "expose-star", actual: .init(200, [allow, ("Access-Control-Expose-Headers", "*"), ("X-Any", "1")]), read: ["x-any"]),
            AgreementCase(
                name: "expose-star-credentials", credentials: true,
                actual: .init(200, [allow, credentialsTrue, ("Access-Control-Expose-Headers", "*"), ("X-Any", "1")]), read: ["x-any"]),
            AgreementCase(
                name: "expose-set-cookie", actual: .init(200, [allow, ("Access-Control-Expose-Headers", "set-cookie, x-a"), ("Set-Cookie", "a=b"), ("X-A", "1")]),
                read: ["set-cookie", "x-a"]),
            AgreementCase(
                name: "expose-split-lines", actual: .init(200, [allow, ("Access-Control-Expose-Headers", "x-a"), ("Access-Control-Expose-Headers", "X-B"), ("X-A", "1"), ("X-B", "1")]),
                read: ["x-a", "x-b"]),
            // Safelisted request headers and their values.
            AgreementCase(name: "post-form-content-type", method: "POST", headers: [("Content-Type", "application/x-www-form-urlencoded")], actual: .init(200, [allow])),
            AgreementCase(name: "post-text-plain-with-charset", method: "POST", headers: [("Content-Type", "text/plain;charset=utf-8")], actual: .init(200, [allow])),
            AgreementCase(
                name: "post-json-not-allowed", method: "POST", headers: [("Content-Type", "application/json")],
                preflight: .init(204, [allow]), actual: .init(200, [allow])),
            AgreementCase(
                name: "post-json-allowed", method: "POST", headers: [("Content-Type", "application/json")],
                preflight: .init(204, [allow, ("Access-Control-Allow-Headers", "content-type")]), actual: .init(200, [allow])),
            AgreementCase(
                name: "accept-language-unsafe-byte", headers: [("Accept-Language", "en(us)")],
                preflight: .init(204, [allow]), actual: .init(200, [allow])),
            AgreementCase(name: "range-simple", headers: [("Range", "bytes=0-10")], actual: .init(200, [allow])),
            AgreementCase(
                name: "range-suffix", headers: [("Range", "bytes=-500")], preflight: .init(204, [allow]), actual: .init(200, [allow])),
            AgreementCase(
                name: "accept-129-bytes", headers: [("Accept", String(repeating: "a", count: 129))],
                preflight: .init(204, [allow]), actual: .init(200, [allow])),
            AgreementCase(
                name: "safelisted-over-1024-bytes",
                headers: [
                    ("Accept", String(repeating: "a", count: 128)), ("Accept-Language", String(repeating: "b", count: 128)),
                    ("Content-Language", String(repeating: "c", count: 128)), ("DPR", long), ("Width", long),
                    ("Viewport-Width", long), ("Device-Memory", long), ("RTT", long), ("Downlink", long),
                ],
                preflight: .init(204, [allow, ("Access-Control-Allow-Headers", "accept-language")]), actual: .init(200, [allow])),
            AgreementCase(name: "dpr-chromium-safelisted", headers: [("DPR", "2")], actual: .init(200, [allow]), hazards: ["chromium-only-safelisted-header"]),
            // Preflighted methods.
            AgreementCase(
                name: "put-allowed", method: "PUT", preflight: .init(204, [allow, ("Access-Control-Allow-Methods", "PUT")]), actual: .init(200, [allow])),
            AgreementCase(
                name: "put-not-listed", method: "PUT", preflight: .init(204, [allow, ("Access-Control-Allow-Methods", "GET, POST")]), actual: .init(200, [allow])),
            AgreementCase(
                name: "put-methods-star", method: "PUT", preflight: .init(204, [allow, ("Access-Control-Allow-Methods", "*")]), actual: .init(200, [allow])),
            AgreementCase(
                name: "put-methods-star-credentials", method: "PUT", credentials: true,
                preflight: .init(204, [allow, credentialsTrue, ("Access-Control-Allow-Methods", "*")]), actual: .init(200, [allow, credentialsTrue])),
            AgreementCase(
                name: "put-credentials-listed", method: "PUT", credentials: true,
                preflight: .init(204, [allow, credentialsTrue, ("Access-Control-Allow-Methods", "PUT")]), actual: .init(200, [allow, credentialsTrue])),
            AgreementCase(
                name: "patch-lowercase-vs-upper", method: "patch", preflight: .init(204, [allow, ("Access-Control-Allow-Methods", "PATCH")]),
                actual: .init(200, [allow])),
            AgreementCase(
                name: "delete-listed-lowercase", method: "DELETE", preflight: .init(204, [allow, ("Access-Control-Allow-Methods", "delete")]),
                actual: .init(200, [allow])),
            AgreementCase(
                name: "put-methods-unparsable", method: "PUT", preflight: .init(204, [allow, ("Access-Control-Allow-Methods", "PUT DELETE")]),
                actual: .init(200, [allow])),
            AgreementCase(
                name: "put-methods-split-lines", method: "PUT",
                preflight: .init(204, [allow, ("Access-Control-Allow-Methods", "GET"), ("Access-Control-Allow-Methods", "PUT")]), actual: .init(200, [allow])),
            // Request headers against Access-Control-Allow-Headers.
            AgreementCase(
                name: "header-allowed", headers: [("X-Custom", "1")], preflight: .init(204, [allow, ("Access-Control-Allow-Headers", "x-custom")]),
                actual: .init(200, [allow])),
            AgreementCase(
                name: "header-allowed-other-case", headers: [("X-Custom", "1")], preflight: .init(204, [allow, ("Access-Control-Allow-Headers", "X-CUSTOM")]),
                actual: .init(200, [allow])),
            AgreementCase(
                name: "header-not-listed", headers: [("X-Custom", "1")], preflight: .init(204, [allow, ("Access-Control-Allow-Headers", "x-other")]),
                actual: .init(200, [allow])),
            AgreementCase(
                name: "headers-star", headers: [("X-Custom", "1")], preflight: .init(204, [allow, ("Access-Control-Allow-Headers", "*")]),
                actual: .init(200, [allow])),
            AgreementCase(
                name: "headers-star-credentials", headers: [("X-Custom", "1")], credentials: true,
                preflight: .init(204, [allow, credentialsTrue, ("Access-Control-Allow-Headers", "*")]), actual: .init(200, [allow, credentialsTrue])),
            AgreementCase(
                name: "authorization-under-star", headers: [("Authorization", "Bearer t")],
                preflight: .init(204, [allow, ("Access-Control-Allow-Headers", "*")]), actual: .init(200, [allow]),
                hazards: ["authorization-covered-by-wildcard"]),
            AgreementCase(
                name: "authorization-listed", headers: [("Authorization", "Bearer t")],
                preflight: .init(204, [allow, ("Access-Control-Allow-Headers", "authorization")]), actual: .init(200, [allow])),
            AgreementCase(
                name: "headers-unparsable", headers: [("X-Custom", "1")], preflight: .init(204, [allow, ("Access-Control-Allow-Headers", "x-custom y")]),
                actual: .init(200, [allow])),
            AgreementCase(
                name: "two-headers-one-listed", method: "PUT", headers: [("X-B", "1"), ("X-A", "1")],
                preflight: .init(204, [allow, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Allow-Headers", "x-b")]), actual: .init(200, [allow])),
            AgreementCase(
                name: "two-headers-none-listed", method: "PUT", headers: [("X-B", "1"), ("X-A", "1")],
                preflight: .init(204, [allow, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Allow-Headers", "x-c")]), actual: .init(200, [allow])),
            // The preflight's status, origin and credentials.
            AgreementCase(name: "preflight-404-no-acao", method: "PUT", preflight: .init(404), actual: .init(200, [allow])),
            AgreementCase(
                name: "preflight-500-with-acao", method: "PUT", preflight: .init(500, [allow, ("Access-Control-Allow-Methods", "PUT")]),
                actual: .init(200, [allow])),
            AgreementCase(
                name: "preflight-200", method: "PUT", preflight: .init(200, [allow, ("Access-Control-Allow-Methods", "PUT")]), actual: .init(200, [allow])),
            AgreementCase(
                name: "preflight-redirect", method: "PUT",
                preflight: .init(307, [allow, ("Access-Control-Allow-Methods", "PUT"), ("Location", "/case/target-allows-page")]),
                actual: .init(200, [allow])),
            AgreementCase(
                name: "preflight-star-credentials", method: "PUT", credentials: true,
                preflight: .init(204, [("Access-Control-Allow-Origin", "*"), credentialsTrue, ("Access-Control-Allow-Methods", "PUT")]),
                actual: .init(200, [allow, credentialsTrue])),
            AgreementCase(
                name: "preflight-credentials-no-acac", method: "PUT", credentials: true,
                preflight: .init(204, [allow, ("Access-Control-Allow-Methods", "PUT")]), actual: .init(200, [allow, credentialsTrue])),
            AgreementCase(
                name: "preflight-duplicate-acao", method: "PUT", preflight: .init(204, [allow, allow, ("Access-Control-Allow-Methods", "PUT")]),
                actual: .init(200, [allow])),
            AgreementCase(
                name: "preflight-ok-actual-no-acao", method: "PUT", preflight: .init(204, [allow, ("Access-Control-Allow-Methods", "PUT")]),
                actual: .init(200)),
            // Redirected actual requests.
            AgreementCase(name: "redirect-without-acao", actual: .init(302, [("Location", "/case/target-allows-page")])),
            AgreementCase(name: "redirect-same-origin", actual: .init(302, [allow, ("Location", "/case/target-allows-page")])),
            AgreementCase(name: "redirect-to-no-acao", actual: .init(302, [allow, ("Location", "/case/target-no-acao")])),
            AgreementCase(
                name: "redirect-cross-origin-taints", actual: .init(302, [allow, ("Location", "http://localhost:{port}/case/target-allows-page")])),
            AgreementCase(name: "redirect-cross-origin-star", actual: .init(302, [allow, ("Location", "http://localhost:{port}/case/target-star")])),
            AgreementCase(
                name: "redirect-put-preflighted-again", method: "PUT", preflight: .init(204, [allow, ("Access-Control-Allow-Methods", "PUT")]),
                actual: .init(307, [allow, ("Location", "/case/target-put-ok")])),
            AgreementCase(
                name: "redirect-put-second-preflight-fails", method: "PUT", preflight: .init(204, [allow, ("Access-Control-Allow-Methods", "PUT")]),
                actual: .init(307, [allow, ("Location", "/case/target-no-acao")])),
            // Hazards (the browser allows all of these).
            AgreementCase(
                name: "reflects-any-origin", credentials: true, actual: .init(200, [("Access-Control-Allow-Origin", "{origin}"), credentialsTrue]),
                hazards: ["vary-origin-missing", "reflects-any-origin", "null-origin-allowed"]),
            AgreementCase(
                name: "reflects-with-vary", actual: .init(200, [("Access-Control-Allow-Origin", "{origin}"), ("Vary", "Accept-Encoding, Origin")]),
                hazards: ["reflects-any-origin", "null-origin-allowed"]),
            AgreementCase(name: "static-origin-no-vary", actual: .init(200, [allow]), hazards: []),
            AgreementCase(
                name: "max-age-a-day", method: "PUT",
                preflight: .init(204, [allow, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", "86400")]),
                actual: .init(200, [allow, ("Vary", "Origin")]), hazards: ["max-age-above-browser-cap"]),
        ]
    }
}
