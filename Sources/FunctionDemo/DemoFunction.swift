/// A request as a demo function receives it.
struct FunctionRequest {
    var method: String
    var uri: String
    /// In wire order, duplicates kept.
    var headers: [(String, String)]
    var bodyBytes: Int
}

/// What a demo function answers, and how long it waits before answering.
struct FunctionResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
    var delay: Duration = .zero
}

/// The demo functions of one service: every path answers with a JSON description of what the
/// function received, so a user can see what the gateway forwarded (and stripped).
///
/// - `?setCookie=name=value` (repeatable) adds one `Set-Cookie: name=value; Path=/` line per
///   occurrence. The value is sent as given (attributes such as `; Max-Age=999999` included,
///   `Path=/` only added when missing), so the gateway's cookie policy can be watched at work.
/// - `/slow?ms=N` answers after N milliseconds, at most ``maximumDelay``.
///
/// Pure: the server hands it a finished request and writes back what it returns.
struct DemoFunction {
    static let maximumDelay = Duration.seconds(10)

    let service: String
    let runtimeHandler: String

    func invoke(_ request: FunctionRequest) -> FunctionResponse {
        let path = String(request.uri.prefix { $0 != "?" })
        let query = queryParameters(of: request.uri)

        var setCookies: [(String, String)] = []
        for (name, value) in query where name == "setCookie" {
            guard !value.isEmpty, !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                return Self.badRequest("setCookie must be a non-empty name=value without control characters")
            }
            let hasPath = value.split(separator: ";").dropFirst().contains {
                $0.drop { $0 == " " }.lowercased().hasPrefix("path=")
            }
            setCookies.append(("Set-Cookie", hasPath ? value : value + "; Path=/"))
        }

        var delay = Duration.zero
        if path == "/slow" {
            let requested = query.last { $0.0 == "ms" }?.1 ?? "0"
            guard let milliseconds = Int(requested), milliseconds >= 0 else {
                return Self.badRequest("ms must be a whole number of milliseconds")
            }
            delay = min(.milliseconds(milliseconds), Self.maximumDelay)
        }

        let report = JSONValue.object([
            ("service", .string(self.service)),
            ("runtimeHandler", .string(self.runtimeHandler)),
            ("method", .string(request.method)),
            ("path", .string(path)),
            ("query", Self.expressStyle(query)),
            ("headers", .array(request.headers.map { .array([.string($0.0), .string($0.1)]) })),
            ("cookies", .object(cookies(in: request.headers).map { ($0.0, .string($0.1)) })),
            ("bodyBytes", .number(request.bodyBytes)),
        ])
        return FunctionResponse(
            status: 200, headers: [("Content-Type", "application/json; charset=utf-8")] + setCookies,
            body: Array((report.rendered() + "\n").utf8), delay: delay)
    }

    /// Query parameters as a function's `event` shows them: a repeated name becomes an array.
    private static func expressStyle(_ query: [(String, String)]) -> JSONValue {
        var names: [String] = []
        var values: [String: [String]] = [:]
        for (name, value) in query {
            if values[name] == nil { names.append(name) }
            values[name, default: []].append(value)
        }
        return .object(
            names.map { name in
                let all = values[name]!
                return (name, all.count == 1 ? .string(all[0]) : .array(all.map(JSONValue.string)))
            })
    }

    private static func badRequest(_ message: String) -> FunctionResponse {
        let body = JSONValue.object([("error", .string("bad_request")), ("message", .string(message))])
        return FunctionResponse(
            status: 400, headers: [("Content-Type", "application/json; charset=utf-8")],
            body: Array((body.rendered() + "\n").utf8))
    }
}
