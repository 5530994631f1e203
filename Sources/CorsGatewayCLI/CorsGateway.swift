import ArgumentParser
import Foundation

@main
struct CorsGateway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cors-gateway",
        abstract: "An edge reverse proxy for function backends: CORS at the edge, libcurl upstream.",
        subcommands: [Serve.self, Check.self, Explain.self, Probe.self],
        defaultSubcommand: Serve.self
    )
}

/// `--config`, shared by every subcommand.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Path of the gateway configuration.")
    var config: String = "gateway.json"

    /// Relative package.json paths in a config resolve against the config's directory.
    static func directory(of configPath: String) -> String {
        URL(fileURLWithPath: configPath).deletingLastPathComponent().path
    }
}
