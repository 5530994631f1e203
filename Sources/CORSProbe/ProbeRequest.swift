import FetchCORS

/// What `probe` asks: the `fetch(url, {method, headers, credentials})` a page on `origin` makes.
public struct ProbeRequest: Sendable {
    public var url: TargetURL
    public var origin: String
    /// As `fetch` sends it (normalized: `put` → `PUT`, `patch` stays `patch`).
    public var method: String
    public var headers: [HeaderField]
    /// `credentials: 'include'`.
    public var credentials: Bool
    /// A PEM bundle to trust instead of the system's, for https URLs.
    public var caFile: String?
    /// Per exchange: connecting plus the whole answer.
    public var timeoutSeconds: Int

    public init(
        url: TargetURL, origin: String, method: String, headers: [HeaderField], credentials: Bool, caFile: String?,
        timeoutSeconds: Int = 15
    ) {
        self.url = url
        self.origin = origin
        self.method = normalizedMethod(method)
        self.headers = headers
        self.credentials = credentials
        self.caFile = caFile
        self.timeoutSeconds = timeoutSeconds
    }

    /// Validates command-line input; throws ``ProbeError/badInput(_:)`` with the reason.
    public static func parse(
        url: String, origin: String, method: String, headers: [String], credentials: Bool, caFile: String?,
        timeoutSeconds: Int = 15
    ) throws(ProbeError) -> ProbeRequest {
        let target = try TargetURL.parse(url)
        if let problem = OriginSyntax.problem(with: origin) {
            throw .badInput("--origin \"\(origin)\" is not an origin a browser sends: \(problem)")
        }
        guard isToken(method) else { throw .badInput("--method \"\(method)\" is not an HTTP method token") }
        if ForbiddenRequest.isMethod(method) {
            throw .badInput("--method \(method) is a forbidden method: fetch() refuses to send it")
        }
        var fields: [HeaderField] = []
        for header in headers {
            let field = try parseHeader(header)
            if ForbiddenRequest.isHeaderName(field.name) {
                throw .badInput("--header \(field.name) is a forbidden request header: fetch() never sends it from a page")
            }
            fields.append(field)
        }
        if let caFile, !isReadableFile(caFile) {
            throw .badInput("--cacert \(caFile): no such readable file")
        }
        return ProbeRequest(
            url: target, origin: origin, method: method, headers: fields, credentials: credentials, caFile: caFile,
            timeoutSeconds: timeoutSeconds)
    }

    /// `NAME:VALUE` or `NAME` alone (then the value is `probe`).
    static func parseHeader(_ text: String) throws(ProbeError) -> HeaderField {
        let name: String
        let value: String
        if let colon = text.firstIndex(of: ":") {
            name = String(text[..<colon])
            value = String(text[text.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        } else {
            name = text
            value = "probe"
        }
        guard isToken(name) else { throw .badInput("--header \"\(text)\": \"\(name)\" is not a header name") }
        guard !value.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
            throw .badInput("--header \(name): a value cannot contain CR, LF or NUL")
        }
        return HeaderField(name, value)
    }
}

/// Why `probe` could not ask (exit 2).
public enum ProbeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The command line does not describe a fetch a browser could make.
    case badInput(String)
    /// The server could not be asked: DNS, connection, TLS, timeout.
    case unreachable(String)

    public var description: String {
        switch self {
        case .badInput(let why): return why
        case .unreachable(let why): return why
        }
    }
}
