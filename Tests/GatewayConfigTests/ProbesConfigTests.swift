import Foundation
import GatewayConfig
import Testing

/// SPEC §14: the optional `probes` listener address, read and checked like `admin`.
@Suite("The probes listener in gateway.json")
struct ProbesConfigTests {
    @Test("probes: absent or null means none, a string sets it")
    func forms() throws {
        let absent = try #require(load(configJSON(routes: "")).config)
        #expect(absent.probes == nil)
        #expect(absent.probesAddress == nil)
        #expect(try #require(load(configJSON(routes: "", top: #""probes": null"#)).config).probes == nil)
        let set = try #require(load(configJSON(routes: "", top: #""probes": "0.0.0.0:9902""#)).config)
        #expect(set.probes == "0.0.0.0:9902")
        #expect(set.probesAddress == ListenAddress(host: "0.0.0.0", port: 9902))
        #expect(set.admin == GatewayConfig.defaultAdmin, "admin is untouched by probes")
    }

    static let invalid: [(top: String, message: String)] = [
        (#""probes": 9902"#, "expected a \"host:port\" string, or null for no probes listener; got the number 9902"),
        (#""probes": ["0.0.0.0:9902"]"#, "or null for no probes listener; got an array"),
        (#""probes": "9902""#, "has no port"),
        (#""probes": "[::1]""#, "has no port"),
        (#""probes": "0.0.0.0:99999""#, "has an invalid port"),
        (#""listen": ["0.0.0.0:9902"], "probes": "0.0.0.0:9902""#, "the probes address is also listen[0]"),
        (#""probes": "127.0.0.1:9901""#, "the probes address is also the default admin address 127.0.0.1:9901"),
        (#""admin": "127.0.0.1:7000", "probes": "127.0.0.1:7000""#, "the probes address is also the admin address;"),
    ]

    @Test("an invalid probes value is a top-level error at `probes`", arguments: invalid)
    func invalidValue(top: String, message: String) {
        let result = load(configJSON(routes: routeJSON("a"), top: top))
        #expect(!result.isValid)
        #expect(result.config == nil, "a top-level error rejects the whole file")
        #expect(result.hasError(at: "probes", containing: message), "\(result.errorDescriptions)")
    }

    @Test("port 0 and a disabled admin never clash")
    func noClash() {
        #expect(load(configJSON(routes: "", top: #""listen": ["127.0.0.1:0"], "admin": "127.0.0.1:0", "probes": "127.0.0.1:0""#)).isValid)
        #expect(load(configJSON(routes: "", top: #""admin": null, "probes": "127.0.0.1:9901""#)).isValid)
    }

    @Test("probes survives encoding, set or null")
    func roundTrip() throws {
        for top in [#""probes": "[::]:9902""#, ""] {
            let original = try #require(load(configJSON(routes: routeJSON("a"), top: top)).config)
            let text = original.jsonValue.serialized()
            #expect(text.contains(original.probes.map { #""probes":"\#($0)""# } ?? #""probes":null"#), "\(text)")
            let reloaded = ConfigLoader.parse(data: Array(try JSONEncoder().encode(original)))
            #expect(reloaded.config == original)
        }
    }

    @Test("a changed probes address needs a restart while the other changes apply")
    func reloadNeedsRestart() throws {
        let file = { (probes: String, path: String) in
            configJSON(routes: routeJSON("a", match: #""pathPrefix": "\#(path)""#), top: #""probes": \#(probes)"#)
        }
        let active = try #require(ActiveConfig(startingWith: load(file(#""0.0.0.0:9902""#, "/a")), hash: "sha256:old"))
        #expect(active.probes == "0.0.0.0:9902")
        let moved = ReloadPlanner.plan(load(file(#""0.0.0.0:9903""#, "/b")), hash: "sha256:new", over: active)
        #expect(moved.report.needsRestart == ["probes"])
        #expect(moved.report.result == .applied)
        #expect(moved.report.applied == ["a"])
        #expect(moved.next?.probes == "0.0.0.0:9902", "the bound address stays until a restart")
        let removed = ReloadPlanner.plan(load(file("null", "/a")), hash: "sha256:new", over: active)
        #expect(removed.report.result == .unchanged)
        #expect(removed.report.needsRestart == ["probes"])
        let same = ReloadPlanner.plan(load(file(#""0.0.0.0:9902""#, "/a")), hash: "sha256:new", over: active)
        #expect(same.report.needsRestart.isEmpty)
    }
}
