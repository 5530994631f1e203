import ArgumentParser
import CORSPolicy
import GatewayConfig
import GatewayPolicy

/// `cors-gateway explain`: what the gateway answers to a preflight and to the actual request,
/// and why. The tool for "blocked by CORS policy".
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain the gateway's CORS answer for an origin, method, path and request headers."
    )

    @OptionGroup var options: ConfigOption

    @Option(help: "The page's origin, as the browser sends it (e.g. https://app.example.com).")
    var origin: String

    @Option(help: "The method the page's fetch uses (the preflight's Access-Control-Request-Method).")
    var method: String

    @Option(help: "The request path, which selects the route.")
    var path: String = "/"

    @Option(help: "The Host the request goes to, for routes matched by host.")
    var host: String?

    @Option(name: .customLong("header"), help: "A request header the fetch sets (repeatable; names only).")
    var headers: [String] = []

    func run() throws {
        let result = ConfigLoader.load(contentsOf: self.options.config)
        guard result.isValid, let table = result.table else {
            print(CheckReport(result, file: self.options.config).text, terminator: "")
            throw ExitCode(1)
        }
        // As `serve` does (SPEC §11): a bad Host or path is 400 before any route is looked at,
        // and routes match the normalised path.
        if let host = self.host, !HostHeader.isValid(host) {
            print("route: none (Host \"\(host)\" is not host[:port]; the gateway answers 400 bad_request)")
            return
        }
        let requestPath = String(self.path.prefix { $0 != "?" })
        guard requestPath.hasPrefix("/") else {
            print("route: none (path \"\(requestPath)\" does not start with \"/\"; the gateway answers 400 bad_request)")
            return
        }
        let path: String
        switch PathNormalizer.normalize(requestPath, encodedSlashes: result.config?.limits.encodedSlashes ?? .reject) {
        case .success(let normalized):
            path = normalized
        case .failure(let rejection):
            print("route: none (path \"\(requestPath)\" is refused: \(rejection); the gateway answers 400 bad_request)")
            return
        }
        if path != requestPath { print("path: \(requestPath) is routed as \(path)") }
        let route = table.match(host: self.host, path: path, method: self.method)
        let explanation = CORSExplain.explain(
            policy: route?.cors ?? (route == nil ? table.defaultCORS : nil),
            routeName: route?.name,
            method: self.method,
            origin: self.origin,
            requestHeaderNames: self.headers
        )
        print(explanation.render(), terminator: explanation.render().hasSuffix("\n") ? "" : "\n")
    }
}
