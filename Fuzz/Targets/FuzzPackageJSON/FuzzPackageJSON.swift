// package.json as a backend's runtime-handler declaration (SPEC §5), and the runtimeHandler
// values of gateway.json. The input is a package.json; its text is also a runtimeHandler value.
// Properties:
// - an exact version is reported only when dependencies["@twilio/runtime-handler"] holds
//   that very string, and only for a semver.org 2.0.0 version (the official regex, numbers
//   within Int); classic only when neither dependencies nor devDependencies name the package;
// - RuntimeHandlerVersion(configValue:) accepts exactly "classic" and those versions, and
//   `seesHeadersAndCookies` is semver precedence >= 1.2.0.
import Foundation
import FuzzSupport
import FunctionRuntime

nonisolated(unsafe) private let semver = try! Regex(
    #"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"#
)

/// (major, minor, patch, has a pre-release) when `text` is a semver.org version whose numbers fit Int.
private func referenceVersion(_ text: String) -> (Int, Int, Int, Bool)? {
    guard text.unicodeScalars.allSatisfy({ $0.isASCII && $0 != "\n" && $0 != "\r" }),
        let match = try? semver.wholeMatch(in: text)
    else { return nil }
    let core = text.prefix { $0 != "-" && $0 != "+" }.split(separator: ".").map { Int($0) }
    guard core.count == 3, let major = core[0], let minor = core[1], let patch = core[2] else { return nil }
    _ = match
    let beforeBuild = text.prefix { $0 != "+" }
    return (major, minor, patch, beforeBuild.contains("-"))
}

private let package = "@twilio/runtime-handler"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let outcome = PackageJSONRuntime.parse(input.bytes, path: "package.json")
    let top = (try? JSONSerialization.jsonObject(with: Data(input.bytes))) as? [String: Any]
    let declared = (top?["dependencies"] as? [String: Any])?[package]
    let devDeclared = (top?["devDependencies"] as? [String: Any])?[package]
    switch outcome {
    case .success(.version(let text)):
        property(declared as? String == text, "version \(String(reflecting: text)) reported, dependencies hold \(String(describing: declared))")
        property(referenceVersion(text) != nil, "version \(String(reflecting: text)) is not a semver.org version")
    case .success(.classic):
        property(top != nil && declared == nil && devDeclared == nil, "classic reported for \(String(reflecting: input.text))")
    case .failure:
        break
    }

    let value = input.text
    let reference = referenceVersion(value)
    let parsed = RuntimeHandlerVersion(configValue: value)
    switch parsed {
    case .classic?:
        property(value == "classic", "\(String(reflecting: value)) read as classic")
    case .version(let text)?:
        property(text == value && reference != nil, "\(String(reflecting: value)) accepted as a version")
        if let (major, minor, patch, prerelease) = reference {
            let atLeast = (major, minor, patch) > (1, 2, 0) || ((major, minor, patch) == (1, 2, 0) && !prerelease)
            property(parsed!.seesHeadersAndCookies == atLeast, "\(String(reflecting: value)): seesHeadersAndCookies is \(!atLeast)")
        }
    case nil:
        property(value != "classic" && reference == nil, "\(String(reflecting: value)) refused as a runtimeHandler value")
    }
    return 0
}
