import GatewayConfig
import Testing

/// SPEC §9 per-route reload decisions, from pairs of files.
@Suite struct ReloadPlannerTests {
    /// A file with the given routes (JSON objects) and backends.
    static func file(
        routes: [String],
        backends: String = #""fn": {"url": "http://127.0.0.1:9001"}"#,
        listen: String = #"["127.0.0.1:8080"]"#,
        extra: String = ""
    ) -> String {
        #"{"listen": \#(listen), "backends": {\#(backends)}\#(extra), "routes": [\#(routes.joined(separator: ","))]}"#
    }

    static func route(_ name: String, path: String = "/", origin: String? = nil, backend: String = "fn") -> String {
        let cors = origin.map { #", "cors": {"allowOrigins": ["\#($0)"]}"# } ?? ""
        return #"{"name": "\#(name)", "match": {"pathPrefix": "\#(path)"}, "backend": "\#(backend)"\#(cors)}"#
    }

    static func start(_ text: String) throws -> ActiveConfig {
        try #require(ActiveConfig(startingWith: ConfigLoader.parse(data: Array(text.utf8)), hash: "sha256:old"))
    }

    static func reload(_ active: ActiveConfig, to text: String) -> ReloadOutcome {
        ReloadPlanner.plan(ConfigLoader.parse(data: Array(text.utf8)), hash: "sha256:new", over: active)
    }

    @Test func identicalFileIsUnchangedAndKeepsCompiledRoutes() throws {
        let text = Self.file(routes: [Self.route("a", path: "/a"), Self.route("b", path: "/b")])
        let active = try Self.start(text)
        let outcome = Self.reload(active, to: text)
        #expect(outcome.report.result == .unchanged)
        #expect(outcome.report.generation == 1)
        #expect(outcome.report.unchanged == ["a", "b"])
        #expect(outcome.report.applied.isEmpty && outcome.report.added.isEmpty && outcome.report.removed.isEmpty)
        let next = try #require(outcome.next)
        #expect(next.table.routes[0] === active.table.routes[0])
        #expect(next.table.routes[1] === active.table.routes[1])
    }

    @Test func reformattedFileIsUnchanged() throws {
        let active = try Self.start(Self.file(routes: [Self.route("a")]))
        let spaced = Self.file(routes: [Self.route("a")]).replacingOccurrences(of: ", ", with: ",\n   ")
        #expect(Self.reload(active, to: spaced).report.result == .unchanged)
    }

    @Test func changedRouteIsAppliedAndNewGenerationRecorded() throws {
        let active = try Self.start(Self.file(routes: [Self.route("a", path: "/a"), Self.route("b", path: "/b")]))
        let outcome = Self.reload(active, to: Self.file(routes: [Self.route("a", path: "/a2"), Self.route("b", path: "/b")]))
        #expect(outcome.report.result == .applied)
        #expect(outcome.report.applied == ["a"])
        #expect(outcome.report.unchanged == ["b"])
        #expect(outcome.report.generation == 2)
        let next = try #require(outcome.next)
        #expect(next.generation == 2)
        #expect(next.routes.map(\.generation) == [2, 1])
        #expect(next.table.match(host: nil, path: "/a2", method: "GET")?.name == "a")
        #expect(next.table.match(host: nil, path: "/a", method: "GET") == nil)
        #expect(next.table.routes[1] === active.table.routes[1])
    }

    @Test func invalidRouteStaysOnItsPreviousVersionWhileSiblingApplies() throws {
        let active = try Self.start(Self.file(routes: [Self.route("a", path: "/a"), Self.route("b", path: "/b")]))
        let broken = #"{"name": "a", "match": {"pathPrefix": "/a"}, "backend": "fn", "cors": {"maxAge": 99999999}}"#
        let outcome = Self.reload(active, to: Self.file(routes: [broken, Self.route("b", path: "/b2")]))
        #expect(outcome.report.result == .partial)
        #expect(outcome.report.applied == ["b"])
        #expect(outcome.report.rejected.map(\.route) == ["a"])
        let errors = try #require(outcome.report.rejected.first?.errors)
        #expect(errors.count == 1)
        #expect(errors[0].hasPrefix("routes[0].cors.maxAge: "))
        let next = try #require(outcome.next)
        #expect(next.routes.map(\.isStale) == [true, false])
        #expect(next.table.routes[0] === active.table.routes[0])
        #expect(next.table.match(host: nil, path: "/a", method: "GET")?.name == "a")
        #expect(next.table.match(host: nil, path: "/b2", method: "GET")?.name == "b")
        // Still stale on the next reload of the same file: listed again, nothing new applied.
        let again = Self.reload(next, to: Self.file(routes: [broken, Self.route("b", path: "/b2")]))
        #expect(again.report.result == .partial)
        #expect(again.report.rejected.map(\.route) == ["a"])
        #expect(again.report.generation == next.generation)
        // Fixed: the route is active again.
        let fixed = Self.reload(next, to: Self.file(routes: [Self.route("a", path: "/a3"), Self.route("b", path: "/b2")]))
        #expect(fixed.report.result == .applied)
        #expect(fixed.report.applied == ["a"])
        #expect(fixed.next?.routes.allSatisfy { !$0.isStale } == true)
    }

    @Test func newInvalidRouteIsNotAdded() throws {
        let active = try Self.start(Self.file(routes: [Self.route("a")]))
        let broken = #"{"name": "n", "match": {"pathPrefix": "/n"}, "backend": "missing"}"#
        let outcome = Self.reload(active, to: Self.file(routes: [broken, Self.route("a")]))
        #expect(outcome.report.result == .partial)
        #expect(outcome.report.rejected.map(\.route) == ["n"])
        #expect(outcome.report.added.isEmpty)
        #expect(outcome.next?.table.routes.map(\.name) == ["a"])
    }

    @Test func addedAndRemovedRoutes() throws {
        let active = try Self.start(Self.file(routes: [Self.route("a", path: "/a"), Self.route("gone", path: "/g")]))
        let outcome = Self.reload(active, to: Self.file(routes: [Self.route("new", path: "/n"), Self.route("a", path: "/a")]))
        #expect(outcome.report.result == .applied)
        #expect(outcome.report.added == ["new"])
        #expect(outcome.report.applied.isEmpty)
        #expect(outcome.report.removed == ["gone"])
        #expect(outcome.next?.table.routes.map(\.name) == ["new", "a"])
        #expect(outcome.next?.table.match(host: nil, path: "/g", method: "GET") == nil)
    }

    @Test(arguments: [
        ("{not json", "invalid json"),
        (#"{"listen": ["nope"], "backends": {}, "routes": []}"#, "listen"),
        (#"{"backends": {}, "routes": [], "bogus": 1}"#, "bogus"),
    ])
    func topLevelProblemsRejectEverything(text: String, mentions: String) throws {
        let active = try Self.start(Self.file(routes: [Self.route("a")]))
        let outcome = Self.reload(active, to: text)
        #expect(outcome.next == nil)
        #expect(outcome.report.result == .rejected)
        #expect(outcome.report.generation == 1)
        #expect(!outcome.report.errors.isEmpty)
        #expect(outcome.report.errors.joined().lowercased().contains(mentions))
    }

    @Test func listenChangeNeedsRestartWhileOtherChangesApply() throws {
        let active = try Self.start(Self.file(routes: [Self.route("a", path: "/a")]))
        let outcome = Self.reload(active, to: Self.file(routes: [Self.route("a", path: "/z")], listen: #"["127.0.0.1:9090"]"#))
        #expect(outcome.report.needsRestart == ["listen"])
        #expect(outcome.report.result == .applied)
        #expect(outcome.report.applied == ["a"])
        #expect(outcome.next?.listen.map(\.address) == ["127.0.0.1:8080"])
        let only = Self.reload(active, to: Self.file(routes: [Self.route("a", path: "/a")], listen: #"["127.0.0.1:9090"]"#))
        #expect(only.report.result == .unchanged)
        #expect(only.report.needsRestart == ["listen"])
    }

    static func tlsListen(_ chain: String, address: String = "127.0.0.1:8443", alpn: String = #"["h2", "http/1.1"]"#) -> String {
        #"["127.0.0.1:8080", { "address": "\#(address)", "tls": { "certificates": [{ "certificateChain": "\#(chain)", "privateKey": "k.pem" }], "alpn": \#(alpn) } }]"#
    }

    /// SPEC §12: certificates and ALPN apply without a restart; the address (and whether it
    /// speaks TLS) does not.
    @Test func aTLSListenersCertificatesAndALPNApplyWithoutARestart() throws {
        let routes = [Self.route("a", path: "/a")]
        let active = try Self.start(Self.file(routes: routes, listen: Self.tlsListen("a.pem")))
        let outcome = Self.reload(active, to: Self.file(routes: routes, listen: Self.tlsListen("b.pem", alpn: #"["http/1.1"]"#)))
        #expect(outcome.report.needsRestart == [])
        #expect(outcome.report.settings == ["tls"])
        #expect(outcome.report.result == .applied)
        #expect(outcome.report.generation == 2)
        #expect(outcome.next?.listen.last?.tls?.certificates.first?.certificateChain == "b.pem")
        #expect(outcome.next?.listen.last?.tls?.alpn == [.http1_1])
    }

    @Test(arguments: [
        tlsListen("a.pem", address: "127.0.0.1:9443"),
        #"["127.0.0.1:8080", "127.0.0.1:8443"]"#,
    ])
    func aTLSListenersAddressOrTLSItselfNeedsARestart(listen: String) throws {
        let routes = [Self.route("a", path: "/a")]
        let active = try Self.start(Self.file(routes: routes, listen: Self.tlsListen("a.pem")))
        let outcome = Self.reload(active, to: Self.file(routes: routes, listen: listen))
        #expect(outcome.report.needsRestart == ["listen"])
        #expect(outcome.report.settings == [])
        #expect(outcome.next?.listen == active.listen)
    }

    @Test func defaultsChangeAppliesToRoutesThatInheritThem() throws {
        let withDefaults = { (origin: String) in
            Self.file(routes: [Self.route("inherits"), Self.route("own", path: "/own", origin: "https://own.example")],
                      extra: #", "defaults": {"cors": {"allowOrigins": ["\#(origin)"]}}"#)
        }
        let active = try Self.start(withDefaults("https://a.example"))
        let outcome = Self.reload(active, to: withDefaults("https://b.example"))
        #expect(outcome.report.applied == ["inherits"])
        #expect(outcome.report.unchanged == ["own"])
        #expect(outcome.report.settings == ["defaults"])
        let policy = try #require(outcome.next?.table.route(named: "inherits")?.cors)
        #expect(policy.originAllowed("https://b.example"))
    }

    @Test func backendChangeAppliesToItsRoutes() throws {
        let two = { (url: String) in
            #""fn": {"url": "\#(url)"}, "other": {"url": "http://127.0.0.1:9002"}"#
        }
        let routes = [Self.route("a", path: "/a"), Self.route("b", path: "/b", backend: "other")]
        let active = try Self.start(Self.file(routes: routes, backends: two("http://127.0.0.1:9001")))
        let outcome = Self.reload(active, to: Self.file(routes: routes, backends: two("http://127.0.0.1:9003")))
        #expect(outcome.report.backendsChanged == ["fn"])
        #expect(outcome.report.applied == ["a"])
        #expect(outcome.report.unchanged == ["b"])
        #expect(outcome.next?.table.route(named: "a")?.backend.port == 9003)
    }

    @Test func staleRouteKeepsABackendTheFileRemoved() throws {
        let active = try Self.start(Self.file(
            routes: [Self.route("a", backend: "old")],
            backends: #""old": {"url": "http://127.0.0.1:9001"}, "fn": {"url": "http://127.0.0.1:9002"}"#))
        let outcome = Self.reload(active, to: Self.file(routes: [Self.route("a", backend: "old")]))
        #expect(outcome.report.result == .partial)
        #expect(outcome.report.backendsRemoved.isEmpty)
        #expect(outcome.next?.table.backends["old"] != nil)
        #expect(outcome.next?.table.route(named: "a")?.backend.name == "old")
    }

    @Test func reportSerializesInSpecShape() throws {
        var report = ReloadReport(result: .partial, generation: 7, hash: "sha256:ab")
        report.applied = ["hello"]
        report.rejected = [.init(route: "broken", errors: ["routes[2].cors.maxAge: too big"])]
        report.needsRestart = ["listen"]
        let text = report.jsonValue.serialized()
        #expect(text.hasPrefix(#"{"result":"partial","generation":7,"hash":"sha256:ab","applied":["hello"],"unchanged":[],"removed":[],"added":[],"rejected":[{"route":"broken","errors":["routes[2].cors.maxAge: too big"]}],"needsRestart":["listen"],"errors":[]"#))
    }
}
