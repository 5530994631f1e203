import CORSPolicy
import NIOHTTP1

/// Where the next unread request byte falls, followed from the parts NIO's decoder produces:
/// in a request head (or between requests), or in a body. The request decoder escapes obs-text
/// in head bytes only (`RawByteEscapes`), so it must never take a body byte for a head byte;
/// a body's end is known ahead only when its length is.
struct RequestStreamPosition: Equatable {
    enum Place: Equatable {
        /// The next bytes start or continue a request head.
        case head
        /// A body: `remaining` bytes of it when it has a length, nil when chunked.
        case body(remaining: Int?)
    }

    /// Whether head bytes may reach NIO's decoder unescaped: only while the rest of a read
    /// behind a chunked body goes in whole, and in a head that such a feed began.
    enum Guard: Equatable {
        case guarded
        case feedingUnguarded
        case headBegunUnguarded
    }

    private(set) var place = Place.head
    private(set) var guardState = Guard.guarded

    /// The rest of a read goes to the decoder unexamined (a chunked body's end is llhttp's to find).
    mutating func unguardedFeedStarted() {
        self.guardState = .feedingUnguarded
    }

    /// That feed is over; if it ended in a head (or before one), that head began unguarded.
    mutating func unguardedFeedEnded() {
        self.guardState = self.place == .head ? .headBegunUnguarded : .guarded
    }

    /// A decoded part; for a head, whether its bytes may have reached NIO's decoder unescaped.
    @discardableResult
    mutating func decoded(_ part: HTTPServerRequestPart) -> Bool {
        switch part {
        case .head(let head):
            let unguarded = self.guardState != .guarded
            if self.guardState == .headBegunUnguarded { self.guardState = .guarded }
            self.place = .body(remaining: Self.bodyLength(head.headers))
            return unguarded
        case .body(let bytes):
            if case .body(let remaining?) = self.place {
                self.place = .body(remaining: max(0, remaining - bytes.readableBytes))
            }
        case .end:
            self.place = .head
        }
        return false
    }

    /// How many of `available` bytes can go to the decoder knowing that none of them is a head
    /// byte: the rest of a body with a length; nil when the body's end is unknown (chunked, or
    /// its length read otherwise than llhttp read it).
    func bodyBytesAhead(of available: Int) -> Int? {
        guard case .body(let remaining?) = self.place, remaining > 0 else { return nil }
        return min(remaining, available)
    }

    /// The Content-Length llhttp framed the body by (it refuses a request with two different
    /// ones, and one beside Transfer-Encoding); nil for a chunked body. A request with neither
    /// has no body: its end comes with its head.
    private static func bodyLength(_ headers: HTTPHeaders) -> Int? {
        var length: Int?
        for (name, value) in headers {
            if name.utf8.count == 17, nameEquals(name, "transfer-encoding") { return nil }
            if length == nil, name.utf8.count == 14, nameEquals(name, "content-length") {
                length = Self.decimal(value)
                if length == nil { return nil }
            }
        }
        return length ?? 0
    }

    /// Digits with optional whitespace around them, as llhttp reads a Content-Length.
    private static func decimal(_ value: String) -> Int? {
        var result = 0
        var digits = 0
        var trailing = false
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9") where !trailing:
                guard digits < 18 else { return nil }
                result = result * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                if digits > 0 { trailing = true }
            default:
                return nil
            }
        }
        return digits > 0 ? result : nil
    }
}
