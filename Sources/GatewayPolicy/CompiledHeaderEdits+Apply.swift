import GatewayConfig

extension CompiledHeaderEdits {
    /// Applies a route's `headers.request`/`headers.response` block to `headers`: removed names
    /// and names being set disappear (every line of them), then the set lines are appended in
    /// the file's order. What stays keeps its order.
    public func apply(to headers: inout [(name: String, value: String)]) {
        guard !self.isEmpty else { return }
        var dropped = Set(self.remove)  // already lowercased
        for (name, _) in self.set { dropped.insert(name.lowercased()) }
        headers.removeAll { dropped.contains($0.name.lowercased()) }
        headers.append(contentsOf: self.set)
    }
}
