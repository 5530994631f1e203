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
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(readFailure(path)) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes.append(contentsOf: chunk[..<count])
            } else if count == 0 {
                return .success(bytes)
            } else if errno != EINTR {
                return .failure(readFailure(path))
            }
        }
    }

    private static func readFailure(_ path: String) -> ConfigRuleViolation {
        ConfigRuleViolation("cannot read \(path): \(String(cString: strerror(errno)))")
    }
}

extension ConfigLoadResult {
    public init(sourcePath: String?, topLevelErrors: [ConfigIssue]) {
        self.init(sourcePath: sourcePath, config: nil, table: nil, topLevelErrors: topLevelErrors, routeErrors: [], warnings: [])
    }
}
