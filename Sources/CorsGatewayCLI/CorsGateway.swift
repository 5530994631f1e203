import ArgumentParser

@main
struct CorsGateway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cors-gateway",
        abstract: "An edge reverse proxy for function backends: CORS at the edge, libcurl upstream.",
        subcommands: [Serve.self, Check.self, Explain.self],
        defaultSubcommand: Serve.self
    )
}

/// `--config`, shared by every subcommand.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Path of the gateway configuration.")
    var config: String = "gateway.json"
}
