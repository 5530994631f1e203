/// Fetch #cors-safelisted-response-header-name and #concept-filtered-response-cors: which
/// response header names `response.headers.get` can read on a CORS response.
public enum ExposedHeaders {
    /// Always readable.
    public static let safelisted: Set<String> = [
        "cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma",
    ]

    /// Never readable (#forbidden-response-header-name).
    public static let forbidden: Set<String> = ["set-cookie", "set-cookie2"]

    /// The lowercased names of `response`'s headers that script can read, sorted. `*` in
    /// `Access-Control-Expose-Headers` exposes every name only without credentials.
    public static func readableNames(of response: ResponseHead, credentials: Bool) -> [String] {
        let listed = Set(listElements(response.combinedValue("Access-Control-Expose-Headers") ?? "").map(asciiLowercased))
        let exposeAll = !credentials && listed.contains("*")
        let present = Set(response.fields.map { asciiLowercased($0.name) })
        return present.filter { name in
            !self.forbidden.contains(name) && (self.safelisted.contains(name) || exposeAll || listed.contains(name))
        }.sorted()
    }

    /// Names listed in `Access-Control-Expose-Headers` that the response does not carry, or
    /// that can never be exposed: a hint that the list is stale or wrong.
    public static func listedButUnreadable(of response: ResponseHead) -> [String] {
        let present = Set(response.fields.map { asciiLowercased($0.name) })
        return listElements(response.combinedValue("Access-Control-Expose-Headers") ?? "").map(asciiLowercased)
            .filter { $0 != "*" && (!present.contains($0) || self.forbidden.contains($0)) }
    }
}
