import GatewayConfig

/// Loads a config from JSON text, as `serve` would from a file.
func load(_ json: String) -> ConfigLoadResult {
    ConfigLoader.parse(data: Array(json.utf8), sourcePath: "test.json")
}

let standardBackends = #"""
"functions": { "url": "http://127.0.0.1:9001", "runtimeHandler": "1.2.0" },
"web": { "url": "http://127.0.0.1:9002/base" }
"""#

/// A complete config: `routes` is the body of the routes array, `top` extra top-level members.
func configJSON(routes: String, backends: String = standardBackends, top: String = "") -> String {
    """
    {
      \(top.isEmpty ? "" : top + ",")
      "backends": { \(backends) },
      "routes": [ \(routes) ]
    }
    """
}

/// One route object; `match` is the body of its match object, `extra` more route members.
func routeJSON(_ name: String, match: String = #""pathPrefix": "/""#, backend: String = "functions", extra: String = "") -> String {
    #"{ "name": "\#(name)", "match": { \#(match) }, "backend": "\#(backend)"\#(extra.isEmpty ? "" : ", " + extra) }"#
}

extension ConfigLoadResult {
    /// Every error as "path: message", for readable expectation failures.
    var errorDescriptions: [String] { allErrors.map(\.description) }

    func hasError(at path: String, containing fragment: String = "") -> Bool {
        allErrors.contains { $0.path == path && (fragment.isEmpty || $0.message.contains(fragment)) }
    }

    func hasWarning(at path: String, containing fragment: String = "") -> Bool {
        warnings.contains { $0.path == path && (fragment.isEmpty || $0.message.contains(fragment)) }
    }
}
