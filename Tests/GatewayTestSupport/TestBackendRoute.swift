/// The behaviour ``TestBackend`` selects from a request's path; see ``TestBackend`` for what
/// each one does on the wire.
enum TestBackendRoute {
    case echoReport
    case echoBody
    case bytes(count: Int, chunked: Bool)
    case silent
    case hangupBeforeHead
    case garbage
    case failMidBody(count: Int)
    case slowHead(milliseconds: Int)
    case status(code: Int)
    case headers([(String, String)])
    case noRead
    case notFound

    init(uri: String, echoBodyRequested: Bool) {
        let path = pathOf(uri)
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        let number = segments.count == 2 ? Int(segments[1]) : nil
        if path.hasPrefix("/echo") {
            self = echoBodyRequested ? .echoBody : .echoReport
            return
        }
        switch (segments.first, number) {
        case ("bytes", let count?) where count >= 0:
            let chunked = queryItems(of: uri).contains { $0 == ("chunked", "1") }
            self = .bytes(count: count, chunked: chunked)
        case ("fail-mid-body", let count?) where count >= 0:
            self = .failMidBody(count: count)
        case ("slow-head", let milliseconds?) where milliseconds >= 0:
            self = .slowHead(milliseconds: milliseconds)
        case ("status", let code?) where (200...599).contains(code):
            self = .status(code: code)
        default:
            switch path {
            case "/silent": self = .silent
            case "/hangup-before-head": self = .hangupBeforeHead
            case "/garbage": self = .garbage
            case "/headers": self = .headers(queryItems(of: uri))
            case "/no-read": self = .noRead
            default: self = .notFound
            }
        }
    }
}
