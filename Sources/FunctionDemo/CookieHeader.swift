/// The cookies of every `Cookie` header, in order; when a name repeats the first one wins, as
/// with the `cookie-parser` middleware Twilio Functions use. Pairs without `=` are skipped and
/// a value's surrounding double quotes removed.
func cookies(in headers: [(String, String)]) -> [(String, String)] {
    var result: [(String, String)] = []
    for (name, value) in headers where name.lowercased() == "cookie" {
        for pair in value.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let cookieName = parts[0].trimmingSpaces()
            guard parts.count == 2, !cookieName.isEmpty, !result.contains(where: { $0.0 == cookieName }) else {
                continue
            }
            var cookieValue = parts[1].trimmingSpaces()
            if cookieValue.count >= 2 && cookieValue.hasPrefix("\"") && cookieValue.hasSuffix("\"") {
                cookieValue = String(cookieValue.dropFirst().dropLast())
            }
            result.append((cookieName, cookieValue))
        }
    }
    return result
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
