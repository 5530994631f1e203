// The backend response head as curl's header callback delivers it: the input cut into lines
// at LF (each line with its LF), fed to ResponseHeadParser until it decides. Properties of a
// head it accepts (SPEC §11, RFC 9110/9112):
// - a final status (200–999), header names that are tokens, values without control bytes
//   (HTAB aside) and without surrounding whitespace;
// - every line of the final head is kept, in order, except Content-Length lines: at most one
//   remains, none beside Transfer-Encoding; conflicting or non-decimal Content-Length values
//   never make a head; the announced body length is the one Content-Length says.
import FuzzSupport

@testable import CurlEngine

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var lines: [[UInt8]] = []
    var start = 0
    for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
        lines.append(Array(bytes[start...index]))
        start = index + 1
    }
    var parser = ResponseHeadParser(maxHeaderBytes: 2048)
    for (index, line) in lines.enumerated() {
        let outcome = line.withUnsafeBytes { parser.feed($0) }
        switch outcome {
        case .needMore:
            continue
        case .tooLarge, .malformed:
            return 0
        case .complete(let head):
            check(head, announced: parser.announcedBodyLength, chunked: parser.bodyIsChunked, lines: finalHead(lines[...index]))
            // Trailers after the head are not part of it.
            property(lines[(index + 1)...].allSatisfy { line in line.withUnsafeBytes { parser.feed($0) } == .needMore },
                     "a line after the head changed the outcome")
            return 0
        }
    }
    return 0
}

/// The lines of the last head in `lines` (which end with its empty line): from the line after
/// the previous empty line (that ended an interim 1xx head) on, without the final empty line,
/// without their line endings.
private func finalHead(_ lines: ArraySlice<[UInt8]>) -> [[UInt8]] {
    var head = lines.dropLast().map { line in
        var line = line
        if line.last == UInt8(ascii: "\n") { line.removeLast() }
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return line
    }
    if let blank = head.lastIndex(where: { $0.isEmpty }) { head = Array(head[(blank + 1)...]) }
    return head
}

private let tokenSymbols = Set("!#$%&'*+-.^_`|~".utf8)

private func isToken(_ name: [UInt8]) -> Bool {
    !name.isEmpty && name.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || (($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A) || tokenSymbols.contains($0) }
}

private func isWhitespace(_ byte: UInt8?) -> Bool { byte == 0x20 || byte == 0x09 }

private func trimmed(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
    var bytes = bytes
    while isWhitespace(bytes.first) { bytes = bytes.dropFirst() }
    while isWhitespace(bytes.last) { bytes = bytes.dropLast() }
    return Array(bytes)
}

private func lowercased(_ bytes: [UInt8]) -> [UInt8] { bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } }
private func isContentLength(_ name: [UInt8]) -> Bool { lowercased(name) == Array("content-length".utf8) }
private func isTransferEncoding(_ name: [UInt8]) -> Bool { lowercased(name) == Array("transfer-encoding".utf8) }

/// A header as bytes: names are UTF-8 of ASCII, values one byte per code point (ISO-8859-1).
private func wireBytes(_ header: (name: String, value: String)) -> (name: [UInt8], value: [UInt8])? {
    guard header.value.unicodeScalars.allSatisfy({ $0.value <= 0xFF }) else { return nil }
    return (Array(header.name.utf8), header.value.unicodeScalars.map { UInt8($0.value) })
}

private func check(_ head: UpstreamResponseHead, announced: Int?, chunked: Bool, lines: [[UInt8]]) {
    let context = "head \(lines.map { String(decoding: $0, as: UTF8.self) }) → \(head.status) \(head.headers)"
    property((200...999).contains(head.status), "final status \(head.status): \(context)")
    var headers: [(name: [UInt8], value: [UInt8])] = []
    for header in head.headers {
        guard let wire = wireBytes(header) else {
            property(false, "header value \(String(reflecting: header.value)) is not one byte per character: \(context)")
            return
        }
        property(isToken(wire.name), "header name \(String(reflecting: header.name)) is not a token: \(context)")
        property(wire.value.allSatisfy { ($0 >= 0x20 || $0 == 0x09) && $0 != 0x7F },
                 "header value \(String(reflecting: header.value)) has a control byte: \(context)")
        property(!isWhitespace(wire.value.first) && !isWhitespace(wire.value.last),
                 "header value \(String(reflecting: header.value)) keeps surrounding whitespace: \(context)")
        headers.append(wire)
    }

    // The received lines after the status line, split as a strict reader would.
    let fields = lines.dropFirst().map { line -> (name: [UInt8], value: [UInt8]) in
        let colon = line.firstIndex(of: UInt8(ascii: ":"))!
        return (Array(line[..<colon]), trimmed(line[(colon + 1)...]))
    }
    let kept = headers.filter { !isContentLength($0.name) }
    let received = fields.filter { !isContentLength($0.name) }
    property(kept.count == received.count && zip(kept, received).allSatisfy { $0.name == $1.name && $0.value == $1.value },
             "lines other than Content-Length were lost, added, changed or reordered: \(context)")

    let lengths = headers.filter { isContentLength($0.name) }
    property(lengths.count <= 1, "several Content-Length lines reach the client: \(context)")
    if fields.contains(where: { isTransferEncoding($0.name) }) {
        property(lengths.isEmpty, "Content-Length beside Transfer-Encoding: \(context)")
        return
    }
    // Values by number: "5" and "05" are equal repeats (RFC 9112 §6.3).
    let values = Set(fields.filter { isContentLength($0.name) }.map { field -> Int? in
        let value = field.value
        guard (1...18).contains(value.count), value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(String(decoding: value, as: UTF8.self))
    })
    property(values.count <= 1, "conflicting Content-Length values accepted: \(context)")
    if let value = values.first {
        property(value != nil, "a Content-Length that is not a decimal number accepted: \(context)")
        let expected = head.status == 204 || head.status == 304 ? 0 : value
        property(announced == expected, "announced body length \(String(describing: announced)) for Content-Length \(String(describing: value)): \(context)")
    }
    property(!chunked, "chunked without Transfer-Encoding: \(context)")
}
