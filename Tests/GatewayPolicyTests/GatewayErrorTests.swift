import Foundation
import Testing

@testable import GatewayPolicy

@Suite("GatewayError: SPEC §7 codes, statuses and JSON bodies")
struct GatewayErrorTests {
    @Test(arguments: [
        (GatewayError.badRequest, 400, "bad_request"), (.noRoute, 404, "no_route"),
        (.headerTimeout, 408, "header_timeout"), (.bodyTooLarge, 413, "body_too_large"),
        (.headersTooLarge, 431, "headers_too_large"), (.upstreamUnavailable, 502, "upstream_unavailable"),
        (.upstreamInvalidResponse, 502, "upstream_invalid_response"), (.cookieRejected, 502, "cookie_rejected"),
        (.draining, 503, "draining"), (.upstreamTimeout, 504, "upstream_timeout"),
        (.upstreamBusy, 503, "upstream_busy"), (.bodyTimeout, 408, "body_timeout"),
        (.methodNotAllowed, 405, "method_not_allowed"),
    ])
    func statusAndCode(error: GatewayError, status: Int, code: String) throws {
        #expect(error.status == status)
        let body = try JSONSerialization.jsonObject(with: Data(error.jsonBody(requestId: "r\"1").utf8)) as? [String: String]
        #expect(body?["error"] == code)
        #expect(body?["requestId"] == "r\"1")
        #expect(body?["message"]?.isEmpty == false)
        #expect(body?.count == 3)
    }

    @Test func everyCaseIsListedWithItsCode() {
        #expect(Set(GatewayError.allCases.map(\.code)) == [
            "bad_request", "no_route", "header_timeout", "body_too_large", "headers_too_large", "upstream_unavailable",
            "upstream_invalid_response", "cookie_rejected", "draining", "upstream_timeout", "upstream_busy",
            "body_timeout", "method_not_allowed",
        ])
    }

    @Test func upstreamBusyIsOneSentenceAndAsksForARetryAfterOneSecond() {
        #expect(GatewayError.upstreamBusy.message == "No connection to the backend became free in time.")
        #expect(GatewayError.upstreamBusy.retryAfterSeconds == 1)
    }

    @Test func onlyUpstreamBusyCarriesRetryAfter() {
        for error in GatewayError.allCases where error != .upstreamBusy {
            #expect(error.retryAfterSeconds == nil, "\(error)")
        }
    }

    @Test func headersTooLargeSaysWhatTheSpecSays() {
        #expect(GatewayError.headersTooLarge.message == "Request headers or cookies too long")
    }
}
