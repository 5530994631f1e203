import CORSPolicy
import GatewayConfig
import Testing

/// A reload replaces the route table; the old one, its routes and their CORS policies must
/// then be freed, or every reload of a long-running gateway would keep its predecessor.
@Suite("Compiled tables are freed")
struct ReloadReleasesTablesTests {
    @Test func aCompiledTableAndItsPoliciesAreFreedWhenDropped() throws {
        weak var route: CompiledRoute?
        weak var policy: AnyObject?
        do {
            let cors = #""cors": { "allowOrigins": ["https://app.example.com"], "allowCredentials": true }"#
            let result = load(configJSON(routes: routeJSON("a", extra: cors)))
            let table = try #require(result.table)
            route = table.routes.first
            policy = table.routes.first?.cors
            #expect(route != nil && policy != nil)
        }
        #expect(route == nil, "the compiled route outlived its table")
        #expect(policy == nil, "the CORS policy outlived its table")
    }
}
