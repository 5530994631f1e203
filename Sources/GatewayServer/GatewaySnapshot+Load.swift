import GatewayConfig

extension GatewaySnapshot {
    /// The snapshot a loaded config describes, with every package.json and TLS certificate it
    /// names read. Problems in those files are added to `result.topLevelErrors` (naming config path, file and key),
    /// so `check` and `serve` report them like any other config error; nil when `result` is
    /// invalid after that.
    public static func resolve(_ result: inout ConfigLoadResult, configDirectory: String) -> GatewaySnapshot? {
        guard let table = result.table else { return nil }
        if let config = result.config {
            let tls = EdgeTLSListener.check(config.listen, directory: configDirectory)
            result.topLevelErrors += tls.errors
            result.warnings += tls.warnings
        }
        switch BackendRuntimes.load(table: table, configDirectory: configDirectory) {
        case .success(let runtimes):
            guard result.isValid, let config = result.config else { return nil }
            return GatewaySnapshot(limits: config.limits, routes: table, runtimes: runtimes, listen: config.listen)
        case .failure(let problems):
            result.topLevelErrors += problems.issues
            return nil
        }
    }
}
