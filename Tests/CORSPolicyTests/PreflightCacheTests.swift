@testable import CORSPolicy
import Testing

/// The per-policy preflight decision cache: a cached decision is exactly the one a fresh policy
/// makes, distinct requests never share an entry, and the cache stays bounded.
@Suite("Preflight decision cache")
struct PreflightCacheTests {
    private func same(_ cached: CORSPolicy.PreflightDecision, _ fresh: CORSPolicy.PreflightDecision) -> Bool {
        cached.status == fresh.status && cached.rejection == fresh.rejection
            && texts(cached.headers) == texts(fresh.headers) && cached.reason == fresh.reason
    }

    @Test("one shared policy answers every table request as a fresh policy does, twice, in both orders")
    func sharedPolicyMatchesFreshPolicies() {
        let shared = compile(PreflightTests.base)
        let requests = PreflightTests.cases.map { lines($0.request) }
        for pass in [requests, requests.reversed(), requests] {
            for request in pass {
                let fresh = compile(PreflightTests.base).preflight(requestHeaders: request)
                let cached = shared.preflight(requestHeaders: request)
                #expect(same(cached, fresh), "\(texts(request))")
            }
        }
    }

    @Test("requests that differ only in one input get different decisions")
    func keyCoversEveryInput() {
        let policy = compile(PreflightTests.with { $0.allowPrivateNetwork = false })
        let base = [PreflightTests.app, "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: content-type"]
        #expect(policy.preflight(requestHeaders: lines(base)).rejection == nil)
        let variants: [([String], CORSRejection)] = [
            (["Origin: https://other.example.com", base[1], base[2]], .origin),
            ([base[0], "Access-Control-Request-Method: DELETE", base[2]], .method),
            ([base[0], base[1], "Access-Control-Request-Headers: x-nope"], .headers),
            (base + ["Access-Control-Request-Private-Network: true"], .privateNetwork),
        ]
        for (request, rejection) in variants {
            #expect(policy.preflight(requestHeaders: lines(request)).rejection == rejection, "\(request)")
            #expect(policy.preflight(requestHeaders: lines(base)).rejection == nil)
        }
        // Split ACRH lines are their own key: the same names on two lines are not one line.
        let split = [base[0], base[1], "Access-Control-Request-Headers: content-type", "Access-Control-Request-Headers: x-api-key"]
        #expect(policy.preflight(requestHeaders: lines(split)).rejection == nil)
    }

    @Test("a repeated preflight is answered from one entry; several Origin lines are never cached")
    func repeatsShareOneEntry() {
        let policy = compile(PreflightTests.base)
        let request = lines([PreflightTests.app, "Access-Control-Request-Method: GET"])
        for _ in 0..<5 { _ = policy.preflight(requestHeaders: request) }
        #expect(policy.preflightDecisions.count == 1)
        let twoOrigins = lines([PreflightTests.app, PreflightTests.app, "Access-Control-Request-Method: GET"])
        #expect(policy.preflight(requestHeaders: twoOrigins).rejection == .origin)
        #expect(policy.preflightDecisions.count == 1)
    }

    @Test("endless distinct origins keep the cache bounded and decisions right")
    func boundedUnderDistinctOrigins() {
        let policy = compile(PreflightTests.base)
        for index in 0..<(PreflightDecisionCache.capacity + 10) {
            let request = lines(["Origin: https://n\(index).evil.example", "Access-Control-Request-Method: GET"])
            _ = policy.preflight(requestHeaders: request)
            #expect(policy.preflightDecisions.count <= PreflightDecisionCache.capacity)
        }
        #expect(policy.preflight(requestHeaders: lines([PreflightTests.app, "Access-Control-Request-Method: GET"])).rejection == nil)
    }
}
