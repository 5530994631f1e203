import Foundation
import GatewayConfig
import Testing

/// The SPEC §3 example without its comments (and with the `packageJson` alternative left out).
let specExample = #"""
{
  "listen": ["0.0.0.0:8080"],
  "admin": "127.0.0.1:9901",
  "limits": {
    "maxRequestHeaderBytes": 15360,
    "maxRequestHeaders": 90,
    "maxRequestBodyBytes": 6291456,
    "maxResponseHeaderBytes": 15360,
    "headerTimeoutMs": 10000,
    "idleTimeoutMs": 60000,
    "maxConnections": 10000
  },
  "backends": {
    "functions": {
      "url": "http://127.0.0.1:9001",
      "runtimeHandler": "1.2.0",
      "connectTimeoutMs": 2000,
      "responseTimeoutMs": 30000,
      "maxConnections": 256,
      "caFile": null
    }
  },
  "defaults": { "cors": { }, "cookies": { } },
  "routes": [
    {
      "name": "hello",
      "match": {
        "hosts": ["api.example.com", "*.example.com"],
        "pathPrefix": "/fn",
        "methods": ["GET", "POST"]
      },
      "backend": "functions",
      "rewrite": { "stripPrefix": "/fn" },
      "cors": { },
      "cookies": { },
      "headers": {
        "request":  { "set": { "x-gateway": "1" }, "remove": ["x-debug"] },
        "response": { "set": { }, "remove": [] }
      }
    }
  ]
}
"""#

@Suite("The SPEC §3 sample config")
struct SampleConfigTests {
    @Test("is valid, without warnings, and decodes to the expected model")
    func sampleIsValid() throws {
        let result = load(specExample)
        #expect(result.isValid, "\(result.errorDescriptions)")
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        let config = try #require(result.config)
        let expected = GatewayConfig(
            backends: ["functions": BackendConfig(url: "http://127.0.0.1:9001", runtimeHandler: "1.2.0")],
            defaults: Defaults(cors: .object([]), cookies: .object([])),
            routes: [RouteConfig(
                name: "hello",
                match: RouteMatch(hosts: ["api.example.com", "*.example.com"], pathPrefix: "/fn", methods: ["GET", "POST"]),
                backend: "functions",
                rewrite: Rewrite(stripPrefix: "/fn"),
                cors: .object([]),
                cookies: .object([]),
                headers: HeaderRules(
                    request: HeaderEdits(set: [("x-gateway", "1")], remove: ["x-debug"]),
                    response: HeaderEdits()
                )
            )]
        )
        #expect(config == expected)
        #expect(config.listenAddresses == [ListenAddress(host: "0.0.0.0", port: 8080)])
        #expect(config.adminAddress == ListenAddress(host: "127.0.0.1", port: 9901))
    }

    @Test("routes requests as the SPEC describes")
    func sampleRouting() throws {
        let table = try #require(load(specExample).table)
        let route = try #require(table.match(host: "API.example.com:8080", path: "/fn/hello", method: "HEAD"))
        #expect(route.name == "hello")
        #expect(route.backend.kind == .functionRuntime(.version("1.2.0")))
        #expect(route.upstreamTarget(path: "/fn/hello", query: "x=1") == "/hello?x=1")
        #expect(route.requestHeaders.set.map { "\($0.name)=\($0.value)" } == ["x-gateway=1"])
        #expect(table.match(host: "example.com", path: "/fn/hello", method: "GET") == nil)
        #expect(table.match(host: "a.example.com", path: "/fn", method: "DELETE") == nil)
    }

    @Test("encodes to JSON that loads back to an equal config")
    func encodeRoundTrip() throws {
        let original = try #require(load(specExample).config)
        let encoded = try JSONEncoder().encode(original)
        let reloaded = ConfigLoader.parse(data: Array(encoded))
        #expect(reloaded.isValid, "\(reloaded.errorDescriptions)")
        #expect(reloaded.config == original)
    }

    @Test("serialized JSON keeps header order and loads back to an equal config")
    func serializedRoundTrip() throws {
        let original = try #require(load(configJSON(routes: routeJSON("a", extra: #"""
            "headers": { "request": { "set": { "x-c": "3", "X-A": "1", "x-b": "q\"\\é", "x-0": "0" } } },
            "cors": { "maxAge": 15, "allowOriginRegex": ["https://x\\.\u00e9"], "allowOrigins": [] },
            "cookies": { "maxAge": 3.6e3, "forward": ["b", "\u0061"], "sameSite": null, "domain": "app.example.com" }
            """#))).config)
        let text = original.jsonValue.serialized()
        #expect(text.contains(#""set":{"x-c":"3","X-A":"1","x-b":"q\"\\é","x-0":"0"}"#), "\(text)")
        #expect(text.contains(#""cors":{"maxAge":15,"allowOriginRegex":["https://x\\.é"],"allowOrigins":[]}"#), "\(text)")
        #expect(text.contains(#""cookies":{"maxAge":3600,"forward":["b","a"],"sameSite":null,"domain":"app.example.com"}"#), "\(text)")
        let reloaded = ConfigLoader.parse(data: Array(text.utf8))
        #expect(reloaded.config == original)
    }

    @Test("admin: null survives encoding")
    func adminNullRoundTrip() throws {
        let original = try #require(load(configJSON(routes: routeJSON("a"), top: #""admin": null"#)).config)
        let reloaded = ConfigLoader.parse(data: Array(try JSONEncoder().encode(original)))
        #expect(reloaded.config?.admin == nil)
        #expect(reloaded.config == original)
    }

    @Test("Decodable applies the same strict rules as the loader")
    func decodable() throws {
        let decoded = try JSONDecoder().decode(GatewayConfig.self, from: Data(specExample.utf8))
        #expect(decoded.routes.map(\.name) == ["hello"])
        #expect(decoded.limits == Limits())
        let error = try #require(throws: ConfigDecodingError.self) {
            try JSONDecoder().decode(GatewayConfig.self, from: Data(configJSON(routes: routeJSON("a", match: #""paht": "/""#)).utf8))
        }
        #expect(error.errors.map(\.path).contains("routes[0].match.paht"))
        let limits = try JSONDecoder().decode(Limits.self, from: Data(#"{ "maxConnections": 3 }"#.utf8))
        #expect(limits == Limits(maxConnections: 3))
        #expect(throws: ConfigDecodingError.self) {
            try JSONDecoder().decode(Limits.self, from: Data(#"{ "maxConnection": 3 }"#.utf8))
        }
    }

    @Test("a config built in code is validated and compiled by the same rules")
    func loadConfigInCode() throws {
        let good = GatewayConfig(
            listen: [ListenEntry(address: "127.0.0.1:0")], admin: nil,
            backends: ["b": BackendConfig(url: "http://127.0.0.1:9001/base")],
            routes: [RouteConfig(name: "r", match: RouteMatch(pathPrefix: "/"), backend: "b")]
        )
        let result = ConfigLoader.load(config: good)
        #expect(result.isValid, "\(result.errorDescriptions)")
        #expect(result.config == good)
        #expect(result.table?.match(host: nil, path: "/x", method: "GET")?.upstreamTarget(path: "/x", query: nil) == "/base/x")

        var bad = good
        bad.routes.append(RouteConfig(name: "r", match: RouteMatch(path: "x"), backend: "missing"))
        let rejected = ConfigLoader.load(config: bad)
        #expect(Set(rejected.allErrors.map(\.path)) == ["routes[1].name", "routes[1].match.path", "routes[1].backend"])
        #expect(rejected.table?.routes.map(\.name) == ["r"])
    }

    @Test("loads from a file, and names the file and OS error when it cannot")
    func loadFromFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-config-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("gateway.json")
        try Data(specExample.utf8).write(to: file)

        let loaded = ConfigLoader.load(contentsOf: file.path)
        #expect(loaded.isValid)
        #expect(loaded.sourcePath == file.path)
        #expect(loaded.table?.routes.count == 1)

        let missing = ConfigLoader.load(contentsOf: directory.appendingPathComponent("nope.json").path)
        #expect(missing.config == nil)
        #expect(missing.topLevelErrors.map(\.path) == [""])
        #expect(missing.topLevelErrors.first?.message.hasPrefix("cannot read \(directory.path)/nope.json: No such file or directory") == true)

        let isDirectory = ConfigLoader.load(contentsOf: directory.path)
        #expect(isDirectory.topLevelErrors.first?.message.contains("Is a directory") == true)
    }
}
