// `check` warns about routes that can never match because an earlier route takes every
// request they would. Only single-route shadowing is detected; a route covered by the union
// of several earlier ones is not reported.

extension CompiledRoute {
    /// True when every request this route would admit is admitted by `earlier`.
    func isShadowed(by earlier: CompiledRoute) -> Bool {
        guard earlier.pathMatch.covers(pathMatch) else { return false }
        if let earlierMethods = earlier.methods {
            guard let methods else { return false }
            let admitted = methods.allSatisfy {
                earlierMethods.contains($0) || ($0 == "HEAD" && earlierMethods.contains("GET"))
            }
            guard admitted else { return false }
        }
        if let earlierHosts = earlier.hostPatterns {
            guard let hostPatterns else { return false }
            return hostPatterns.allSatisfy { host in earlierHosts.contains { $0.covers(host) } }
        }
        return true
    }
}

/// Warnings for routes fully shadowed by an earlier one; `fileIndices[i]` is the position
/// of `routes[i]` in the file (invalid routes are not in the table).
func shadowingWarnings(routes: [CompiledRoute], fileIndices: [Int]) -> [ConfigIssue] {
    var warnings: [ConfigIssue] = []
    for later in routes.indices {
        guard let earlier = routes[..<later].firstIndex(where: { routes[later].isShadowed(by: $0) }) else { continue }
        warnings.append(ConfigIssue(
            path: JSONPath.root.key("routes").index(fileIndices[later]).description,
            message: "shadowed by routes[\(fileIndices[earlier])] (\"\(routes[earlier].name)\") and can never match"
        ))
    }
    return warnings
}
