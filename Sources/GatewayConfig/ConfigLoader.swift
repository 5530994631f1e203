import FileContents

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The errors of one route, which reject that route alone (SPEC §9).
public struct RouteIssues: Sendable, Equatable {
    /// Position in the file's `routes` array.
    public var routeIndex: Int
    /// The route's name when it is at least a string.
    public var routeName: String?
    public var errors: [ConfigIssue]

    public init(routeIndex: Int, routeName: String?, errors: [ConfigIssue]) {
        self.routeIndex = routeIndex
        self.routeName = routeName
        self.errors = errors
    }
}

/// Everything `serve`, `check` and reload need to know about one version of gateway.json.
public struct ConfigLoadResult: Sendable {
    /// Where the bytes came from, when they came from a file.
    public var sourcePath: String?
    /// nil when the file could not be read or parsed or has top-level errors; otherwise it
    /// holds only the routes that validated.
    public var config: GatewayConfig?
    /// The compiled `config`; nil exactly when `config` is.
    public var table: RouteTable?
    public var topLevelErrors: [ConfigIssue]
    public var routeErrors: [RouteIssues]
    public var warnings: [ConfigIssue]

    /// No error at all. `serve` and `check` require this; a reload can still apply `table`.
    public var isValid: Bool { topLevelErrors.isEmpty && routeErrors.isEmpty }

    /// Top-level errors, then each route's errors in file order.
    public var allErrors: [ConfigIssue] { topLevelErrors + routeErrors.flatMap(\.errors) }
}

/// Reads gateway.json into a validated config and route table, collecting every problem.
public enum ConfigLoader {
    public static func load(contentsOf path: String) -> ConfigLoadResult {
        switch readFile(path) {
        case .success(let bytes):
            return parse(data: bytes, sourcePath: path)
        case .failure(let violation):
            return ConfigLoadResult(sourcePath: path, topLevelErrors: [ConfigIssue(path: "", message: violation.message)])
        }
    }

    public static func parse(data: [UInt8], sourcePath: String? = nil) -> ConfigLoadResult {
        switch JSONParser.parse(data) {
        case .success(let document):
            return load(document, sourcePath: sourcePath)
        case .failure(let syntaxError):
            return ConfigLoadResult(sourcePath: sourcePath, topLevelErrors: [ConfigIssue(path: "", message: syntaxError.description)])
        }
    }

    /// Validates and compiles a config built in code (tests, or a config re-read from the model),
    /// with exactly the rules a file goes through.
    public static func load(config: GatewayConfig) -> ConfigLoadResult {
        load(ParsedDocument(root: config.jsonValue, duplicateKeys: []), sourcePath: nil)
    }

    static func load(_ document: ParsedDocument, sourcePath: String?) -> ConfigLoadResult {
        let analysis = ConfigAnalysis(document)
        var result = ConfigLoadResult(
            sourcePath: sourcePath,
            config: analysis.config,
            topLevelErrors: analysis.topLevelErrors,
            routeErrors: analysis.routeErrors,
            warnings: analysis.warnings
        )
        if let config = analysis.config {
            let table = RouteTable(config: config)
            result.table = table
            result.warnings += shadowingWarnings(routes: table.routes, fileIndices: analysis.validRouteIndices)
        }
        return result
    }

    private static func readFile(_ path: String) -> Result<[UInt8], ConfigRuleViolation> {
        switch FileContents.read(path) {
        case .success(let file): .success(file.bytes)
        case .failure(let failure): .failure(ConfigRuleViolation("cannot read \(path): \(failure.reason)"))
        }
    }
}

extension ConfigLoadResult {
    public init(sourcePath: String?, topLevelErrors: [ConfigIssue]) {
        self.init(sourcePath: sourcePath, config: nil, table: nil, topLevelErrors: topLevelErrors, routeErrors: [], warnings: [])
    }
}
