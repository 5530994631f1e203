// Merging the policy's Vary tokens into a response's Vary (SPEC §4: "merged token-wise with
// the backend's Vary (no duplicates; `Vary: *` stays `*`)").
//
// Decisions where the SPEC is silent:
// - The result is ONE `Vary` line, at the position of the response's first Vary line (or
//   appended after the CORS headers when it had none).
// - A `*` token anywhere makes the whole value `*` (every other token is redundant).
// - A single Vary line without duplicates or empty elements keeps its bytes: it is left alone
//   when it already has every token, else the missing tokens are appended with ", ".
// - Otherwise (several lines, duplicates, empty elements) the value is rebuilt: the response's
//   tokens in order, deduplicated case-insensitively (first spelling kept), then the policy's
//   missing ones, joined with ", ".

/// Tokens to merge into Vary, in canonical spelling, with their bytes and joined form.
struct VaryTokens: Sendable {
    let names: [String]
    let bytes: [[UInt8]]
    let joined: String

    init(_ names: [String]) {
        self.names = names
        self.bytes = names.map { Array($0.utf8) }
        self.joined = names.joined(separator: ", ")
    }
}

extension Array where Element == (name: String, value: String) {
    /// Merges `tokens` into this response's Vary, leaving one Vary line.
    mutating func mergeVary(_ tokens: VaryTokens) {
        var firstIndex: Int?
        var lineCount = 0
        for (index, line) in enumerated() where nameEquals(line.name, CORSHeader.varyLower) {
            if firstIndex == nil { firstIndex = index }
            lineCount += 1
        }
        guard let firstIndex else {
            append((CORSHeader.vary, tokens.joined))
            return
        }
        if lineCount == 1, let merged = Self.mergeSingleLine(self[firstIndex].value, tokens) {
            if let merged { self[firstIndex] = (CORSHeader.vary, merged) }
            return
        }
        rebuildVary(tokens, firstIndex: firstIndex, lineCount: lineCount)
    }

    /// The fast path for one Vary line: `.some(nil)` keeps the line, `.some(value)` replaces
    /// its value, nil asks for the general rebuild. Allocates only the new value.
    private static func mergeSingleLine(_ value: String, _ tokens: VaryTokens) -> String?? {
        var value = value
        let maxElements = 32
        let outcome: (keep: Bool, star: Bool, missing: UInt32)? = value.withUTF8 { bytes in
            withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: maxElements) { ranges in
                var count = 0
                var empty = false
                var overflow = false
                forEachRange(bytes) { range in
                    if range.isEmpty { empty = true; return }
                    if count == maxElements { overflow = true; return }
                    ranges[count] = range
                    count += 1
                }
                if overflow || empty { return nil }
                var star = false
                for index in 0..<count {
                    let range = ranges[index]
                    if range.count == 1, bytes[range.lowerBound] == UInt8(ascii: "*") { star = true }
                    for earlier in 0..<index where rangesEqualIgnoringCase(bytes, ranges[earlier], range) { return nil }
                }
                if star { return (keep: count == 1, star: true, missing: 0) }
                var missing: UInt32 = 0
                for (tokenIndex, token) in tokens.bytes.enumerated() {
                    var found = false
                    for index in 0..<count where rangeEqualsIgnoringCase(bytes, ranges[index], token) {
                        found = true
                        break
                    }
                    if !found { missing |= 1 << UInt32(tokenIndex) }
                }
                return (keep: missing == 0, star: false, missing: missing)
            }
        }
        guard let outcome else { return nil }
        if outcome.keep { return .some(nil) }
        if outcome.star { return .some("*") }
        var merged = value
        for (tokenIndex, name) in tokens.names.enumerated() where outcome.missing & (1 << UInt32(tokenIndex)) != 0 {
            merged += ", "
            merged += name
        }
        return .some(merged)
    }

    /// The general case: every Vary line's tokens, deduplicated, plus the missing ones, on the
    /// first Vary line; the others removed.
    private mutating func rebuildVary(_ tokens: VaryTokens, firstIndex: Int, lineCount: Int) {
        var star = false
        var merged: [[UInt8]] = []
        for index in firstIndex..<count where nameEquals(self[index].name, CORSHeader.varyLower) {
            forEachListElement(self[index].value) { bytes, range in
                guard !range.isEmpty else { return }
                if range.count == 1, bytes[range.lowerBound] == UInt8(ascii: "*") {
                    star = true
                } else if !merged.contains(where: { rangeEqualsIgnoringCase(bytes, range, $0) }) {
                    merged.append([UInt8](UnsafeBufferPointer(rebasing: bytes[range])))
                }
            }
        }
        let value: String
        if star {
            value = "*"
        } else {
            for token in tokens.bytes where !merged.contains(where: { arraysEqualIgnoringCase($0, token) }) {
                merged.append(token)
            }
            value = merged.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ", ")
        }
        self[firstIndex] = (CORSHeader.vary, value)
        var index = firstIndex + 1
        while index < count {
            if nameEquals(self[index].name, CORSHeader.varyLower) { remove(at: index) } else { index += 1 }
        }
    }
}

@inline(__always)
func arraysEqualIgnoringCase(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    for index in a.indices where asciiLowercased(a[index]) != asciiLowercased(b[index]) { return false }
    return true
}

/// Byte ranges of list elements in `bytes` (see `forEachListElement`).
@inline(__always)
func forEachRange(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
    var start = 0
    var index = 0
    while true {
        let atEnd = index == bytes.count
        if atEnd || bytes[index] == UInt8(ascii: ",") {
            var lower = start
            var upper = index
            while lower < upper, isOWS(bytes[lower]) { lower += 1 }
            while upper > lower, isOWS(bytes[upper - 1]) { upper -= 1 }
            body(lower..<upper)
            if atEnd { return }
            start = index + 1
        }
        index += 1
    }
}

@inline(__always)
func rangesEqualIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ a: Range<Int>, _ b: Range<Int>) -> Bool {
    guard a.count == b.count else { return false }
    var j = b.lowerBound
    for index in a {
        if asciiLowercased(bytes[index]) != asciiLowercased(bytes[j]) { return false }
        j += 1
    }
    return true
}
