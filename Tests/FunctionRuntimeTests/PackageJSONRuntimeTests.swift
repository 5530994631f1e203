import Foundation
import Testing

@testable import FunctionRuntime

@Suite("PackageJSONRuntime (SPEC §5 packageJson)")
struct PackageJSONRuntimeTests {
    static let path = "functions/package.json"
    static let key = #"dependencies["@twilio/runtime-handler"]"#

    func parse(_ text: String) -> Result<RuntimeHandlerVersion, PackageJSONRuntime.Problem> {
        PackageJSONRuntime.parse(Array(text.utf8), path: Self.path)
    }

    static let exact: [(String, RuntimeHandlerVersion, Bool)] = [
        ("1.1.3", .version("1.1.3"), false),
        ("1.2.0", .version("1.2.0"), true),
        ("1.2.0-rc.1", .version("1.2.0-rc.1"), false),
        ("2.1.2", .version("2.1.2"), true),
    ]

    @Test(arguments: exact)
    func exactVersionInDependencies(value: String, expected: RuntimeHandlerVersion, sees: Bool) {
        let result = parse(#"{"name":"fn","dependencies":{"twilio":"^5.0.0","@twilio/runtime-handler":"\#(value)"}}"#)
        let sawHeaders = (try? result.get())?.seesHeadersAndCookies
        #expect(result == .success(expected))
        #expect(sawHeaders == sees)
    }

    @Test func exactInBothSectionsUsesDependencies() {
        let result = parse(#"{"dependencies":{"@twilio/runtime-handler":"1.2.0"},"devDependencies":{"@twilio/runtime-handler":"1.1.3"}}"#)
        #expect(result == .success(.version("1.2.0")))
    }

    static let classicDocuments: [String] = [
        #"{"dependencies":{"twilio":"^5.0.0"}}"#,  // missing entry
        #"{"name":"fn"}"#,  // no dependencies object
        #"{}"#,
        #"{"dependencies":null}"#,
        #"{"dependencies":{},"devDependencies":{"jest":"^29"}}"#,
    ]

    @Test(arguments: classicDocuments)
    func missingEntryIsClassic(document: String) {
        let result = parse(document)
        #expect(result == .success(.classic))
    }

    static let ranges: [(String, String)] = [
        (#""^1.2.0""#, #""^1.2.0""#), (#""~1.2""#, #""~1.2""#), (#""*""#, #""*""#),
        (#""latest""#, #""latest""#), (#"">=1""#, #"">=1""#), (#""1.x""#, #""1.x""#),
        (#""next""#, #""next""#), (#""""#, #""""#), (#""v1.2.0""#, #""v1.2.0""#),
        (#""=1.2.0""#, #""=1.2.0""#), (#""1.2.0 - 2.0.0""#, #""1.2.0 - 2.0.0""#),
        (#""classic""#, #""classic""#), (#""github:twilio/x""#, #""github:twilio/x""#),
        ("1.2", "1.2"), ("null", "null"), ("true", "true"), (#"["1.2.0"]"#, #"["1.2.0"]"#),
    ]

    @Test(arguments: ranges)
    func rangeOrNonStringIsNotExact(json: String, shown: String) {
        let result = parse(#"{"dependencies":{"@twilio/runtime-handler":\#(json)}}"#)
        #expect(result == .failure(.notExact(path: Self.path, key: Self.key, value: shown)))
    }

    @Test func notExactMessageNamesFileKeyAndValue() {
        let message = PackageJSONRuntime.Problem.notExact(path: Self.path, key: Self.key, value: #""^1.2.0""#).description
        #expect(message.contains("functions/package.json"))
        #expect(message.contains(#"dependencies["@twilio/runtime-handler"]"#))
        #expect(message.contains(#""^1.2.0""#))
    }

    @Test func devDependenciesOnlyIsAnError() {
        let result = parse(#"{"dependencies":{"twilio":"5.0.0"},"devDependencies":{"@twilio/runtime-handler":"1.2.0"}}"#)
        let devKey = #"devDependencies["@twilio/runtime-handler"]"#
        let message = (result.failure?.description) ?? ""
        #expect(result == .failure(.devDependencyOnly(path: Self.path, key: devKey)))
        #expect(message.contains(Self.path) && message.contains(devKey))
    }

    static let invalidDocuments: [String] = [
        "", "{", "not json", #"{"dependencies":{"a":1 "b":2}}"#, #"{"dependencies":{"@twilio/runtime-handler":"1.2.0"}"#, "[]", #""1.2.0""#, "42",
        #"{"dependencies":[]}"#, #"{"dependencies":"1.2.0"}"#, #"{"devDependencies":[]}"#,
    ]

    @Test(arguments: invalidDocuments)
    func invalidJSONNamesTheFile(document: String) {
        let result = parse(document)
        let isInvalid: Bool
        if case .failure(.invalidJSON(let path, let reason)) = result { isInvalid = path == Self.path && !reason.isEmpty } else { isInvalid = false }
        let message = result.failure?.description ?? ""
        #expect(isInvalid)
        #expect(message.hasPrefix(Self.path))
    }

    @Test func loadReadsTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fr-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("package.json")
        try Data(#"{"dependencies":{"@twilio/runtime-handler":"2.1.2"}}"#.utf8).write(to: file)
        let loaded = PackageJSONRuntime.load(path: file.path)
        let missing = PackageJSONRuntime.load(path: directory.appendingPathComponent("nope.json").path)
        let isDirectory = PackageJSONRuntime.load(path: directory.path)
        #expect(loaded == .success(.version("2.1.2")))
        #expect(missing == .failure(.unreadable(path: directory.appendingPathComponent("nope.json").path, reason: "No such file or directory")))
        let directoryIsUnreadable: Bool
        if case .failure(.unreadable(let path, _)) = isDirectory { directoryIsUnreadable = path == directory.path } else { directoryIsUnreadable = false }
        #expect(directoryIsUnreadable)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
