import Foundation

/// The JSON a demo function answers with, as far as these tests read it.
struct FunctionAnswer {
    var method: String
    var path: String
    /// Cookie name to value, as the function's cookie parser saw them.
    var cookies: [String: String]

    /// Decodes a scenario's body; nil when it is not a demo function's answer.
    init?(_ result: ScenarioResult) {
        guard let body = result.body,
            let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let method = object["method"] as? String,
            let path = object["path"] as? String,
            let cookies = object["cookies"] as? [String: String]
        else { return nil }
        self.method = method
        self.path = path
        self.cookies = cookies
    }
}
