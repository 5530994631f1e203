import Version

/// The `@twilio/runtime-handler` version a function backend runs (SPEC §5).
///
/// Request headers and cookies exist for a function only from handler 1.2.0 on. Functions
/// Classic has no runtime handler at all and is treated as below 1.2.0.
public enum RuntimeHandlerVersion: Sendable, Equatable {
    /// Functions Classic: no runtime handler, below 1.2.0.
    case classic
    /// An exact semver, as written (`"1.2.0"`, `"1.2.0-rc.1"`, `"2.1.2+build.5"`).
    case version(String)

    /// The first version whose functions see request headers and cookies.
    public static let headersAndCookiesSince = Version(1, 2, 0)

    /// `true` for semver precedence >= 1.2.0. A pre-release of 1.2.0 (`1.2.0-rc.1`) is below
    /// it; build metadata (`+…`) does not count. `.classic`, and a `.version` payload that is
    /// not a strict semver (only constructible by hand), are below: fail closed.
    public var seesHeadersAndCookies: Bool {
        switch self {
        case .classic:
            return false
        case .version(let text):
            guard let version = Self.strictSemver(text) else { return false }
            return version >= Self.headersAndCookiesSince
        }
    }

    /// Parses a gateway.json `runtimeHandler` value: `"classic"` (exactly, lowercase) or an
    /// exact semver per semver.org 2.0.0 (no `v`/`=` prefix, no spaces, no leading zeros, no
    /// empty identifiers, no ranges). `nil` for anything else.
    public init?(configValue: String) {
        if configValue == "classic" {
            self = .classic
        } else if Self.strictSemver(configValue) != nil {
            self = .version(configValue)
        } else {
            return nil
        }
    }

    /// `text` as a `Version` when it is an exact semver under the semver.org 2.0.0 grammar.
    /// mxcl/Version's own parser is lenient (it takes `01.2.3`, `+1.2.3` and an empty
    /// pre-release `1.2.0-`), so the grammar is checked here first. It also starts the
    /// pre-release at the first `-` anywhere, so it gets no build metadata (which precedence
    /// ignores anyway): `1.2.0+build-5` would not parse.
    public static func strictSemver(_ text: String) -> Version? {
        guard SemverGrammar.isValid(text) else { return nil }
        return Version(String(text.prefix { $0 != "+" }))
    }
}

extension RuntimeHandlerVersion: CustomStringConvertible {
    public var description: String {
        switch self {
        case .classic: "classic"
        case .version(let text): text
        }
    }
}

/// The semver.org 2.0.0 BNF, over ASCII bytes.
enum SemverGrammar {
    static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        // Split off build metadata at the first "+", then the pre-release at the first "-".
        let plus = bytes.firstIndex(of: UInt8(ascii: "+"))
        let beforeBuild = bytes[..<(plus ?? bytes.endIndex)]
        if let plus {
            let build = bytes[(plus + 1)...]
            guard identifiers(build, allowLeadingZeros: true) else { return false }
        }
        let dash = beforeBuild.firstIndex(of: UInt8(ascii: "-"))
        let core = beforeBuild[..<(dash ?? beforeBuild.endIndex)]
        if let dash {
            let pre = beforeBuild[(dash + 1)...]
            guard identifiers(pre, allowLeadingZeros: false) else { return false }
        }
        let parts = core.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else { return false }
        return parts.allSatisfy { isNumeric($0) && fitsInt($0) }
    }

    /// Dot-separated, non-empty identifiers of `[0-9A-Za-z-]`; numeric ones without leading
    /// zeros unless `allowLeadingZeros` (build metadata).
    private static func identifiers(_ bytes: ArraySlice<UInt8>, allowLeadingZeros: Bool) -> Bool {
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return parts.allSatisfy { part in
            guard !part.isEmpty, part.allSatisfy(isIdentifierByte) else { return false }
            if !allowLeadingZeros, part.allSatisfy(isDigit), part.count > 1, part.first == UInt8(ascii: "0") {
                return false
            }
            return true
        }
    }

    /// A numeric identifier: `0` or digits without a leading zero.
    private static func isNumeric(_ part: ArraySlice<UInt8>) -> Bool {
        guard !part.isEmpty, part.allSatisfy(isDigit) else { return false }
        return part.count == 1 || part.first != UInt8(ascii: "0")
    }

    private static func fitsInt(_ part: ArraySlice<UInt8>) -> Bool {
        Int(String(decoding: part, as: UTF8.self)) != nil
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
