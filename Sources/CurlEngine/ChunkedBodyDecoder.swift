import NIOCore

/// Decodes a chunked response body (RFC 9112 §7.1) as curl hands it over raw
/// (`CURLOPT_HTTP_TRANSFER_DECODING=0`), so the engine knows the moment the body is complete:
/// curl 7.88 gives no other sign of it while an upload keeps its transfer open. curl decodes
/// the same bytes itself and fails a transfer whose framing is broken; this decoder only has
/// to be exact on framing curl accepts (it takes a bare LF for CRLF, as curl does).
struct ChunkedBodyDecoder: Equatable {
    enum Outcome: Equatable {
        case needMore
        /// The last chunk and the trailer section are in; nothing after them is body.
        case complete
        case malformed
    }

    private enum State: Equatable {
        case size(Int, digits: Int)
        case sizeExtension(Int)
        case sizeLineFeed(Int)
        case data(remaining: Int)
        case dataCarriageReturn
        case dataLineFeed
        case trailerLineStart
        case trailerLine
        case trailerLineFeed
        case finalLineFeed
        case done
    }

    private var state = State.size(0, digits: 0)

    var isComplete: Bool { self.state == .done }

    /// Appends the body bytes in `input` to `output`.
    mutating func decode(_ input: UnsafeRawBufferPointer, into output: inout ByteBuffer) -> Outcome {
        var index = 0
        while index < input.count {
            let byte = input[index]
            switch self.state {
            case .size(let value, let digits):
                if let digit = Self.hexValue(byte) {
                    guard digits < 15 else { return .malformed }  // no chunk is near 2^60 bytes
                    self.state = .size(value * 16 + digit, digits: digits + 1)
                } else if digits == 0 {
                    return .malformed
                } else if byte == UInt8(ascii: ";") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                    self.state = .sizeExtension(value)
                } else if byte == UInt8(ascii: "\r") {
                    self.state = .sizeLineFeed(value)
                } else if byte == UInt8(ascii: "\n") {
                    self.sizeLineEnded(value)
                } else {
                    return .malformed
                }
            case .sizeExtension(let value):
                if byte == UInt8(ascii: "\r") {
                    self.state = .sizeLineFeed(value)
                } else if byte == UInt8(ascii: "\n") {
                    self.sizeLineEnded(value)
                }
            case .sizeLineFeed(let value):
                guard byte == UInt8(ascii: "\n") else { return .malformed }
                self.sizeLineEnded(value)
            case .data(let remaining):
                let count = min(remaining, input.count - index)
                output.writeBytes(UnsafeRawBufferPointer(rebasing: input[index..<(index + count)]))
                index += count
                self.state = remaining == count ? .dataCarriageReturn : .data(remaining: remaining - count)
                continue
            case .dataCarriageReturn:
                if byte == UInt8(ascii: "\r") {
                    self.state = .dataLineFeed
                } else if byte == UInt8(ascii: "\n") {
                    self.state = .size(0, digits: 0)
                } else {
                    return .malformed
                }
            case .dataLineFeed:
                guard byte == UInt8(ascii: "\n") else { return .malformed }
                self.state = .size(0, digits: 0)
            case .trailerLineStart:
                if byte == UInt8(ascii: "\r") {
                    self.state = .finalLineFeed
                } else if byte == UInt8(ascii: "\n") {
                    self.state = .done
                    return .complete
                } else {
                    self.state = .trailerLine
                }
            case .trailerLine:
                if byte == UInt8(ascii: "\r") {
                    self.state = .trailerLineFeed
                } else if byte == UInt8(ascii: "\n") {
                    self.state = .trailerLineStart
                }
            case .trailerLineFeed:
                guard byte == UInt8(ascii: "\n") else { return .malformed }
                self.state = .trailerLineStart
            case .finalLineFeed:
                guard byte == UInt8(ascii: "\n") else { return .malformed }
                self.state = .done
                return .complete
            case .done:
                return .complete  // what follows the body is not part of it
            }
            index += 1
        }
        return self.state == .done ? .complete : .needMore
    }

    private mutating func sizeLineEnded(_ size: Int) {
        self.state = size == 0 ? .trailerLineStart : .data(remaining: size)
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }
}
