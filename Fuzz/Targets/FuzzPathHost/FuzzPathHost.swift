// The path normaliser and the Host validator (SPEC §11), on every input:
// - normalising is idempotent, its output has no dot-segment (literal or %2E-encoded), starts
//   with "/", holds no "\" (and no %2F/%5C under `reject`), and a path without dot-segments
//   comes back unchanged; each refusal names something the path really holds;
// - HostHeader.isValid agrees with an independent checker of `host[:port]` built on glibc's
//   inet_pton for the address forms.
#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import GatewayConfig
import GatewayPolicy

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let path = "/" + input.text
    for mode in [Limits.EncodedSlashes.reject, .keep] {
        checkNormalizer(path, mode)
    }
    let valid = HostHeader.isValid(input.bytes)
    if input.text.utf8.elementsEqual(input.bytes) {
        property(valid == HostHeader.isValid(input.text), "the String and byte forms of the Host check disagree on \(input.bytes)")
    }
    let expected = ReferenceHost.isValid(input.bytes)
    property(valid == expected, "HostHeader.isValid(\(String(reflecting: input.text))) is \(valid), the SPEC §11 grammar says \(expected)")
    return 0
}

// Byte-wise throughout: Character comparisons would merge "/" with a combining mark after it.

private func segments(_ path: String) -> [ArraySlice<UInt8>] {
    Array(path.utf8).dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
}

/// A segment that is `.` or `..` once every `%2E`/`%2e` reads as `.`.
private func isDotSegment(_ segment: ArraySlice<UInt8>) -> Bool {
    var dots = 0
    var rest = segment
    while !rest.isEmpty {
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
        } else if rest.starts(with: "%2e".utf8) || rest.starts(with: "%2E".utf8) {
            rest = rest.dropFirst(3)
        } else {
            return false
        }
        dots += 1
    }
    return dots == 1 || dots == 2
}

private func contains(_ text: String, _ part: String) -> Bool {
    let bytes = Array(text.utf8).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    let part = Array(part.utf8)
    guard bytes.count >= part.count else { return false }
    return (0...(bytes.count - part.count)).contains { bytes[$0..<($0 + part.count)].elementsEqual(part) }
}

private func containsEncodedSlash(_ text: String) -> Bool { contains(text, "%2f") || contains(text, "%5c") }

private func checkNormalizer(_ path: String, _ mode: Limits.EncodedSlashes) {
    switch PathNormalizer.normalize(path, encodedSlashes: mode) {
    case .success(let normalized):
        property(normalized.utf8.first == UInt8(ascii: "/"), "\(String(reflecting: path)) normalised to \(String(reflecting: normalized)), not starting with /")
        property(!segments(normalized).contains(where: isDotSegment),
                 "\(String(reflecting: path)) normalised to \(String(reflecting: normalized)), which still has a dot-segment")
        property(!contains(normalized, "\\"), "\(String(reflecting: path)) normalised with a backslash")
        property(mode == .keep || !containsEncodedSlash(normalized), "\(String(reflecting: path)) kept an encoded slash under reject")
        let again = PathNormalizer.normalize(normalized, encodedSlashes: mode)
        property((try? again.get())?.utf8.elementsEqual(normalized.utf8) == true,
                 "normalising \(String(reflecting: normalized)) (from \(String(reflecting: path))) again gave \(again)")
        if !segments(path).contains(where: isDotSegment) {
            property(normalized.utf8.elementsEqual(path.utf8), "\(String(reflecting: path)) has no dot-segment but became \(String(reflecting: normalized))")
        }
    case .failure(.backslash):
        property(contains(path, "\\"), "\(String(reflecting: path)) refused for a backslash it does not hold")
    case .failure(.encodedSlash):
        property(mode == .reject && containsEncodedSlash(path), "\(String(reflecting: path)) refused for an encoded slash")
    case .failure(.climbsAboveRoot):
        property(segments(path).contains(where: isDotSegment), "\(String(reflecting: path)) refused for climbing without a dot-segment")
    }
}

/// SPEC §11: `host[:port]`; host a DNS name without empty labels (labels 1–63 of letters,
/// digits, `-`, `_`; 253 bytes; one trailing dot), a dotted-quad IPv4 address (any name whose
/// last label is numeric must be one) or a bracketed IPv6 address; port 1–5 digits ≤ 65535.
private enum ReferenceHost {
    static func isValid(_ bytes: [UInt8]) -> Bool {
        // inet_pton reads C strings: a NUL would end the text early.
        guard bytes.allSatisfy({ $0 > 0 && $0 < 0x80 }) else { return false }
        let text = String(decoding: bytes, as: UTF8.self)
        var host = Substring(text)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let after = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            guard isIPv6(String(host)) else { return false }
            if !after.isEmpty {
                guard after.first == ":" else { return false }
                port = after.dropFirst()
            }
        } else {
            if let colon = host.firstIndex(of: ":") {
                port = host[host.index(after: colon)...]
                host = host[..<colon]
            }
            guard isName(host) else { return false }
        }
        if let port {
            guard (1...5).contains(port.count), port.allSatisfy({ ("0"..."9").contains($0) }), Int(port)! <= 65535 else { return false }
        }
        return true
    }

    static func isName(_ name: Substring) -> Bool {
        var name = name
        if name.hasSuffix(".") { name = name.dropLast() }
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard (1...63).contains(label.utf8.count),
                label.unicodeScalars.allSatisfy({ ($0.properties.isASCIIHexDigit || ("g"..."z").contains($0) || ("G"..."Z").contains($0)) || $0 == "-" || $0 == "_" })
            else { return false }
        }
        let last = labels.last!.lowercased()
        let numeric = last.allSatisfy(\.isWholeNumber) || (last.hasPrefix("0x") && last.dropFirst(2).allSatisfy(\.isHexDigit))
        return numeric ? isIPv4(String(name)) : true
    }

    static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }

    static func isIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET6, text, &address) == 1
    }
}
