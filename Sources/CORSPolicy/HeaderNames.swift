// Header names the policy reads and writes, and byte-level helpers for comparing them.
// Names are compared ASCII-case-insensitively on their UTF-8 bytes, without lowercasing
// (and so without allocating) the received name.

/// Canonical spellings of the headers the policy sends, and lowercase forms of those it reads.
enum CORSHeader {
    static let allowOrigin = "Access-Control-Allow-Origin"
    static let allowCredentials = "Access-Control-Allow-Credentials"
    static let allowMethods = "Access-Control-Allow-Methods"
    static let allowHeaders = "Access-Control-Allow-Headers"
    static let maxAge = "Access-Control-Max-Age"
    static let allowPrivateNetwork = "Access-Control-Allow-Private-Network"
    static let exposeHeaders = "Access-Control-Expose-Headers"
    static let vary = "Vary"
    static let decision = "X-CORS-Decision"

    static let requestMethod = "Access-Control-Request-Method"
    static let requestHeaders = "Access-Control-Request-Headers"
    static let requestPrivateNetwork = "Access-Control-Request-Private-Network"

    // Lowercase, for `nameEquals`.
    static let originLower = "origin"
    static let requestMethodLower = "access-control-request-method"
    static let requestHeadersLower = "access-control-request-headers"
    static let requestPrivateNetworkLower = "access-control-request-private-network"
    static let allowOriginLower = "access-control-allow-origin"
    static let varyLower = "vary"
    static let decisionLower = "x-cors-decision"
    static let accessControlPrefixLower = "access-control-"
}

@inline(__always)
func asciiLowercased(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
}

// The comparisons below are written as concrete loops over UTF-8 views: generic versions
// (`zip`, `some Collection`) are not always specialised and then cost ~100 ns per call.

/// `name` equals `lowercase` (which must be lowercase ASCII), ignoring ASCII case.
@inline(__always)
public func nameEquals(_ name: String, _ lowercase: String) -> Bool {
    let a = name.utf8, b = lowercase.utf8
    guard a.count == b.count else { return false }
    // Native strings expose their bytes contiguously: compare buffers, not view indices.
    let fast: Bool?? = a.withContiguousStorageIfAvailable { x in
        b.withContiguousStorageIfAvailable { y in buffersEqualLowercase(x, y) }
    }
    if case .some(.some(let equal)) = fast { return equal }
    return utf8EqualsLowercase(a, b)
}

/// `bytes` equal `lowercase` (lowercase ASCII), ignoring ASCII case: the same comparison as
/// `nameEquals`, for header bytes that were never made a `String`.
@inline(__always)
public func bytesEqualLowercase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
    bytes.withMemoryRebound(to: UInt8.self) { bytes in
        buffersEqualLowercase(bytes, UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount))
    }
}

@inline(__always)
func buffersEqualLowercase(_ name: UnsafeBufferPointer<UInt8>, _ lowercase: UnsafeBufferPointer<UInt8>) -> Bool {
    guard name.count == lowercase.count else { return false }
    for index in 0..<name.count where asciiLowercased(name[index]) != lowercase[index] { return false }
    return true
}

@inline(__always)
func utf8EqualsLowercase<View: BidirectionalCollection<UInt8>>(_ name: View, _ lowercase: String.UTF8View) -> Bool {
    guard name.count == lowercase.count else { return false }
    var i = name.startIndex
    var j = lowercase.startIndex
    while i != name.endIndex {
        if asciiLowercased(name[i]) != lowercase[j] { return false }
        name.formIndex(after: &i)
        lowercase.formIndex(after: &j)
    }
    return true
}

/// `name` starts with `lowercasePrefix`, ignoring ASCII case.
@inline(__always)
func nameHasPrefix(_ name: String, _ lowercasePrefix: String) -> Bool {
    let a = name.utf8, b = lowercasePrefix.utf8
    guard a.count >= b.count else { return false }
    let fast: Bool?? = a.withContiguousStorageIfAvailable { x in
        b.withContiguousStorageIfAvailable { y in buffersEqualLowercase(UnsafeBufferPointer(rebasing: x[0..<y.count]), y) }
    }
    if case .some(.some(let equal)) = fast { return equal }
    var i = a.startIndex
    var j = b.startIndex
    while j != b.endIndex {
        if asciiLowercased(a[i]) != b[j] { return false }
        a.formIndex(after: &i)
        b.formIndex(after: &j)
    }
    return true
}

/// ASCII-case-insensitive equality of two strings.
@inline(__always)
func equalsIgnoringCase(_ a: String, _ b: Substring) -> Bool {
    let x = a.utf8, y = b.utf8
    guard x.count == y.count else { return false }
    var i = x.startIndex
    var j = y.startIndex
    while i != x.endIndex {
        if asciiLowercased(x[i]) != asciiLowercased(y[j]) { return false }
        x.formIndex(after: &i)
        y.formIndex(after: &j)
    }
    return true
}

@inline(__always)
func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
    equalsIgnoringCase(a, Substring(b))
}

/// RFC 9110 §5.6.2 token, the grammar of header names and methods.
func isHTTPToken(_ text: String) -> Bool {
    isHTTPToken(Substring(text))
}

func isHTTPToken(_ text: Substring) -> Bool {
    guard !text.utf8.isEmpty else { return false }
    for byte in text.utf8 where !isTokenByte(byte) { return false }
    return true
}

@inline(__always)
func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
         UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
         UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
        return true
    default:
        return false
    }
}

/// ASCII lowercase of a header name (names are ASCII tokens; other bytes are kept).
func asciiLowercasedString(_ text: some StringProtocol) -> String {
    String(decoding: text.utf8.map(asciiLowercased), as: UTF8.self)
}

extension Array where Element == (name: String, value: String) {
    /// The value when exactly one line is named `lowercaseName`; `count` is how many there are.
    func singleValue(named lowercaseName: String) -> (value: String?, count: Int) {
        var found: String?
        var count = 0
        for line in self where nameEquals(line.name, lowercaseName) {
            count += 1
            if count == 1 { found = line.value }
        }
        return (count == 1 ? found : nil, count)
    }
}
