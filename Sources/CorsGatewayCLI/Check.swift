import ArgumentParser
import GatewayConfig
import GatewayServer

/// `cors-gateway check`: validates a configuration like `nginx -t`.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the configuration; print errors and warnings with JSON paths; exit 1 on error."
    )

    @OptionGroup var options: ConfigOption

    func run() throws {
        var result = ConfigLoader.load(contentsOf: self.options.config)
        // package.json files named by backends are read too: a range or a devDependency is an error.
        _ = GatewaySnapshot.resolve(&result, configDirectory: ConfigOption.directory(of: self.options.config))
        let report = CheckReport(result, file: self.options.config)
        print(report.text, terminator: "")
        if !result.isValid { throw ExitCode(1) }
    }
}

/// The text `check` prints, one line per finding, errors first.
struct CheckReport {
    let text: String

    init(_ result: ConfigLoadResult, file: String) {
        var lines: [String] = []
        for issue in result.allErrors { lines.append("error: \(issue)") }
        for issue in result.warnings { lines.append("warning: \(issue)") }
        if result.isValid, let config = result.config {
            lines.append(
                "\(file): OK (\(config.routes.count) routes, \(config.backends.count) backends, \(result.warnings.count) warnings)"
            )
        } else {
            lines.append("\(file): \(result.allErrors.count) errors, \(result.warnings.count) warnings")
        }
        self.text = lines.joined(separator: "\n") + "\n"
    }
}
