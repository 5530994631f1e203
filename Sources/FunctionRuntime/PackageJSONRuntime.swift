import FileContents
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the runtime handler version a function project declares in its package.json
/// (SPEC §5 `packageJson`): `dependencies["@twilio/runtime-handler"]`.
public enum PackageJSONRuntime {
    /// The dependency whose version decides what functions see.
    public static let packageName = "@twilio/runtime-handler"
    /// `dependencies["@twilio/runtime-handler"]`, as errors name it.
    public static let dependencyKey = "dependencies[\"\(packageName)\"]"
    /// `devDependencies["@twilio/runtime-handler"]`, as errors name it.
    public static let devDependencyKey = "devDependencies[\"\(packageName)\"]"

    public enum Problem: Error, Equatable, CustomStringConvertible {
        /// The file could not be read (missing, a directory, permissions).
        case unreadable(path: String, reason: String)
        /// Not JSON, not a top-level object, or `dependencies`/`devDependencies` not an object.
        case invalidJSON(path: String, reason: String)
        /// The entry is a range, a tag or not a string. `value` is the entry as JSON text.
        case notExact(path: String, key: String, value: String)
        /// The handler is listed under devDependencies only, so a deployment would not get it.
        case devDependencyOnly(path: String, key: String)

        public var path: String {
            switch self {
            case .unreadable(let path, _), .invalidJSON(let path, _), .notExact(let path, _, _),
                .devDependencyOnly(let path, _):
                path
            }
        }

        public var description: String {
            switch self {
            case .unreadable(let path, let reason):
                "\(path): cannot read the file: \(reason)"
            case .invalidJSON(let path, let reason):
                "\(path): not a valid package.json: \(reason)"
            case .notExact(let path, let key, let value):
                "\(path): \(key) is \(value), not an exact version; ranges and tags are not supported, write an exact semver such as \"1.2.0\""
            case .devDependencyOnly(let path, let key):
                "\(path): \(key) is set but \(PackageJSONRuntime.dependencyKey) is not; the runtime handler must be a dependency, not a devDependency"
            }
        }
    }

    /// Classifies package.json bytes. `path` only names the file in errors.
    ///
    /// - exact semver in `dependencies` → `.version` (as written);
    /// - no entry in `dependencies` (or no `dependencies` object) and none in `devDependencies`
    ///   → `.classic`;
    /// - a range, tag, `"classic"`, a non-string → `.notExact`;
    /// - only in `devDependencies` → `.devDependencyOnly`.
    public static func parse(_ bytes: [UInt8], path: String) -> Result<RuntimeHandlerVersion, Problem> {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            return .failure(.invalidJSON(path: path, reason: Self.reason(error)))
        }
        guard let top = object as? [String: Any] else {
            return .failure(.invalidJSON(path: path, reason: "the top level is not an object"))
        }
        let dependencies: [String: Any]?
        switch Self.section(top, "dependencies") {
        case .failure(let problem): return .failure(.invalidJSON(path: path, reason: problem.reason))
        case .success(let section): dependencies = section
        }
        if let value = dependencies?[packageName] {
            if let text = value as? String, RuntimeHandlerVersion.strictSemver(text) != nil {
                return .success(.version(text))
            }
            return .failure(.notExact(path: path, key: dependencyKey, value: Self.jsonText(value)))
        }
        switch Self.section(top, "devDependencies") {
        case .failure(let problem):
            return .failure(.invalidJSON(path: path, reason: problem.reason))
        case .success(let dev):
            if dev?[packageName] != nil {
                return .failure(.devDependencyOnly(path: path, key: devDependencyKey))
            }
        }
        return .success(.classic)
    }

    /// Reads `path` and classifies it with `parse`.
    public static func load(path: String) -> Result<RuntimeHandlerVersion, Problem> {
        switch Self.readFile(path) {
        case .success(let bytes): return parse(bytes, path: path)
        case .failure(let problem): return .failure(problem)
        }
    }

    // MARK: - Helpers

    private struct NotAnObject: Error { let reason: String }

    private static func section(_ top: [String: Any], _ key: String) -> Result<[String: Any]?, NotAnObject> {
        guard let value = top[key], !(value is NSNull) else { return .success(nil) }
        guard let object = value as? [String: Any] else {
            return .failure(NotAnObject(reason: "\"\(key)\" is not an object"))
        }
        return .success(object)
    }

    /// The entry as JSON text, for messages: a string quoted, others as written.
    private static func jsonText(_ value: Any) -> String {
        if let text = value as? String { return Self.quoted(text) }
        if value is NSNull { return "null" }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]),
            let text = String(data: data, encoding: .utf8)
        {
            return text
        }
        return String(describing: value)
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\u%04X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    private static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let debug = nsError.userInfo[NSDebugDescriptionErrorKey] as? String, !debug.isEmpty {
            return debug
        }
        return nsError.localizedDescription
    }

    /// Reads a whole regular file, with `strerror` reasons ("No such file or directory").
    private static func readFile(_ path: String) -> Result<[UInt8], Problem> {
        switch FileContents.read(path, maxBytes: 16 * 1024 * 1024) {
        case .success(let file): .success(file.bytes)
        case .failure(.system(let reason)): .failure(.unreadable(path: path, reason: reason))
        case .failure(.isDirectory): .failure(.unreadable(path: path, reason: "it is a directory"))
        case .failure(.tooLarge): .failure(.unreadable(path: path, reason: "larger than 16 MiB"))
        }
    }
}
