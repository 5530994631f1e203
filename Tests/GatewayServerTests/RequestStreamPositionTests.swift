import NIOCore
import NIOHTTP1
import Testing

@testable import GatewayServer

/// `RequestStreamPosition`: where the next request byte falls and whether head bytes may have
/// gone to NIO's decoder unescaped, event by event.
@Suite("Request stream position: transition table")
struct RequestStreamPositionTests {
    enum Event: String, CaseIterable, CustomTestStringConvertible {
        case getHead, postHead5, chunkedHead, body3, end, unguardedStart, unguardedEndInHead
        var testDescription: String { rawValue }
    }

    static func head(_ method: HTTPMethod, _ headers: [(String, String)]) -> HTTPServerRequestPart {
        .head(HTTPRequestHead(version: .http1_1, method: method, uri: "/", headers: HTTPHeaders(headers)))
    }

    static func apply(_ event: Event, to position: inout RequestStreamPosition) -> Bool {
        switch event {
        case .getHead: return position.decoded(head(.GET, []))
        case .postHead5: return position.decoded(head(.POST, [("Content-Length", " 5 ")]))
        case .chunkedHead: return position.decoded(head(.POST, [("Transfer-Encoding", "chunked"), ("Content-Length", "5")]))
        case .body3: return position.decoded(.body(ByteBuffer(string: "abc")))
        case .end: return position.decoded(.end(nil))
        case .unguardedStart:
            position.unguardedFeedStarted()
            return false
        case .unguardedEndInHead:
            position.unguardedFeedEnded()
            return false
        }
    }

    /// Events from a fresh position, then the place, the guard, and what the last event returned.
    static let rows: [([Event], RequestStreamPosition.Place, RequestStreamPosition.Guard, Bool)] = [
        ([.getHead], .body(remaining: 0), .guarded, false),
        ([.getHead, .end], .head, .guarded, false),
        ([.postHead5], .body(remaining: 5), .guarded, false),
        ([.postHead5, .body3], .body(remaining: 2), .guarded, false),
        ([.postHead5, .body3, .body3], .body(remaining: 0), .guarded, false),
        ([.chunkedHead], .body(remaining: nil), .guarded, false),
        ([.chunkedHead, .body3], .body(remaining: nil), .guarded, false),
        ([.chunkedHead, .unguardedStart], .body(remaining: nil), .feedingUnguarded, false),
        ([.chunkedHead, .unguardedStart, .end, .getHead], .body(remaining: 0), .feedingUnguarded, true),
        ([.chunkedHead, .unguardedStart, .end, .getHead, .end, .getHead], .body(remaining: 0), .feedingUnguarded, true),
        ([.chunkedHead, .unguardedStart, .end, .unguardedEndInHead], .head, .headBegunUnguarded, false),
        ([.chunkedHead, .unguardedStart, .end, .unguardedEndInHead, .getHead], .body(remaining: 0), .guarded, true),
        ([.chunkedHead, .unguardedStart, .end, .unguardedEndInHead, .getHead, .end, .getHead], .body(remaining: 0), .guarded, false),
        ([.chunkedHead, .unguardedStart, .unguardedEndInHead], .body(remaining: nil), .guarded, false),
    ]

    @Test(arguments: rows)
    func transition(events: [Event], place: RequestStreamPosition.Place, guardState: RequestStreamPosition.Guard, returned: Bool) {
        var position = RequestStreamPosition()
        var last = false
        for event in events { last = Self.apply(event, to: &position) }
        #expect(position.place == place)
        #expect(position.guardState == guardState)
        #expect(last == returned)
    }

    /// Only a known remaining length lets bytes go to the decoder as body.
    @Test func bodyBytesAhead() {
        var position = RequestStreamPosition()
        #expect(position.bodyBytesAhead(of: 10) == nil)
        position.decoded(Self.head(.POST, [("Content-Length", "5")]))
        #expect(position.bodyBytesAhead(of: 10) == 5)
        #expect(position.bodyBytesAhead(of: 3) == 3)
        position.decoded(Self.head(.POST, [("Content-Length", "5x")]))
        #expect(position.bodyBytesAhead(of: 10) == nil)
    }
}
