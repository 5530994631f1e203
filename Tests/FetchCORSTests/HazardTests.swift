import FetchCORS
import Testing

/// SPEC §13 hazards: what a browser lets through but an operator must hear about.
struct HazardTests {
    static let origin = "https://app.example.com"
    static let unlisted = "https://unlisted-origin.invalid"

    static func head(_ fields: [(String, String)], status: Int = 200) -> ResponseHead {
        ResponseHead(status: status, fields: fields.map { HeaderField($0.0, $0.1) })
    }

    static func evidence(
        preflight: ResponseHead? = nil, actual: ResponseHead? = nil, unlisted: ResponseHead? = nil, null: ResponseHead? = nil,
        authorization: Bool = false, clientHints: [String] = []
    ) -> HazardEvidence {
        HazardEvidence(
            origin: origin, credentials: false, preflight: preflight, actual: actual, unlistedOrigin: Self.unlisted,
            unlistedOriginResponse: unlisted, nullOriginResponse: null, authorizationCoveredByWildcard: authorization,
            chromiumOnlySafelistedHeaders: clientHints)
    }

    static func codes(_ evidence: HazardEvidence) -> [String] { Hazards.find(evidence).map(\.code) }

    @Test func reflectedOriginWithoutVary() {
        let codes = Self.codes(
            Self.evidence(
                actual: Self.head([("Access-Control-Allow-Origin", Self.origin)]),
                unlisted: Self.head([("Access-Control-Allow-Origin", Self.unlisted), ("Access-Control-Allow-Credentials", "true")]),
                null: Self.head([("Access-Control-Allow-Origin", "null")])))
        #expect(codes == ["vary-origin-missing", "reflects-any-origin", "null-origin-allowed"])
        let message = Hazards.find(Self.evidence(unlisted: Self.head([("Access-Control-Allow-Origin", Self.unlisted), ("Access-Control-Allow-Credentials", "true")])))
            .first?.message ?? ""
        #expect(message.contains("every web site can read credentialed responses"))
    }

    @Test(arguments: ["Origin", "accept-encoding, origin", "*"])
    func varyThatCoversOrigin(vary: String) {
        let evidence = Self.evidence(actual: Self.head([("Access-Control-Allow-Origin", Self.origin), ("Vary", vary)]))
        #expect(Self.codes(evidence).isEmpty)
    }

    @Test func varySplitOverLinesCounts() {
        let evidence = Self.evidence(actual: Self.head([("Access-Control-Allow-Origin", Self.origin), ("Vary", "Accept"), ("Vary", "Origin")]))
        #expect(Self.codes(evidence).isEmpty)
    }

    @Test func aConstantOriginOrAWildcardNeedsNoVary() {
        let constant = Self.evidence(
            actual: Self.head([("Access-Control-Allow-Origin", Self.origin)]),
            unlisted: Self.head([("Access-Control-Allow-Origin", Self.origin)]))
        #expect(Self.codes(constant).isEmpty)
        #expect(Self.codes(Self.evidence(actual: Self.head([("Access-Control-Allow-Origin", "*")]))).isEmpty)
    }

    @Test func anUnknownAnswerForOtherOriginsStillNeedsVary() {
        #expect(Self.codes(Self.evidence(actual: Self.head([("Access-Control-Allow-Origin", Self.origin)]))) == ["vary-origin-missing"])
    }

    @Test(arguments: [("7200", false), ("7201", true), ("86400", true), ("600", false), ("abc", false)])
    func maxAgeAboveCaps(maxAge: String, hazard: Bool) {
        let evidence = Self.evidence(preflight: Self.head([("Access-Control-Max-Age", maxAge)], status: 204))
        #expect(Self.codes(evidence).contains("max-age-above-browser-cap") == hazard)
    }

    @Test func chromiumOnlyDecisions() {
        #expect(Self.codes(Self.evidence(authorization: true)) == ["authorization-covered-by-wildcard"])
        #expect(Self.codes(Self.evidence(clientHints: ["dpr"])) == ["chromium-only-safelisted-header"])
    }
}
