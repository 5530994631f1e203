// Codable for the model. Encoding goes through `jsonValue`, the same shape the file has
// (defaults written out, `"admin": null` and `"probes": null` kept), so a config can be shown by the admin API and
// read back; `jsonValue.serialized()` also keeps key order, which JSONEncoder does not.
// Decoding goes through the strict decoder, so Decodable applies the loader's rules and defaults.

/// A config that failed strict decoding through `Decodable`.
public struct ConfigDecodingError: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigIssue]

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Decodes `T` with its strict decoder from whatever `Decoder` holds.
private func decodeStrictly<T>(_ decoder: any Decoder, _ decode: JSONRead.Decoder<T>) throws -> T {
    let value = try JSONValue(from: decoder)
    var diagnostics = Diagnostics()
    let decoded = decode(value, .root, &diagnostics)
    guard diagnostics.errors.isEmpty, let decoded else { throw ConfigDecodingError(errors: diagnostics.errors) }
    return decoded
}

extension GatewayConfig: Codable {
    public init(from decoder: any Decoder) throws {
        let result = ConfigLoader.load(ParsedDocument(root: try JSONValue(from: decoder), duplicateKeys: []), sourcePath: nil)
        guard result.isValid, let config = result.config else { throw ConfigDecodingError(errors: result.allErrors) }
        self = config
    }

    public func encode(to encoder: any Encoder) throws { try jsonValue.encode(to: encoder) }

    public var jsonValue: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("listen", .array(listen.map(\.jsonValue))),
            ("admin", admin.map(JSONValue.string) ?? .null),
            ("probes", probes.map(JSONValue.string) ?? .null),
            ("limits", limits.jsonValue),
            ("backends", .object(backends.sorted { $0.key < $1.key }.map { ($0.key, $0.value.jsonValue) })),
        ]
        if let defaults { members.append(("defaults", defaults.jsonValue)) }
        members.append(("routes", .array(routes.map(\.jsonValue))))
        return .object(members)
    }
}

extension Limits: Codable {
    public init(from decoder: any Decoder) throws { self = try decodeStrictly(decoder, Limits.decode) }
    public func encode(to encoder: any Encoder) throws { try jsonValue.encode(to: encoder) }

    public var jsonValue: JSONValue {
        .object([
            ("maxRequestHeaderBytes", .integer(maxRequestHeaderBytes)),
            ("maxRequestHeaders", .integer(maxRequestHeaders)),
            ("maxRequestBodyBytes", .integer(maxRequestBodyBytes)),
            ("maxResponseHeaderBytes", .integer(maxResponseHeaderBytes)),
            ("headerTimeoutMs", .integer(headerTimeoutMs)),
            ("idleTimeoutMs", .integer(idleTimeoutMs)),
            ("bodyTimeoutMs", .integer(bodyTimeoutMs)),
            ("maxPipelinedRequests", .integer(maxPipelinedRequests)),
            ("maxConnections", .integer(maxConnections)),
            ("encodedSlashes", .string(encodedSlashes.rawValue)),
            ("underscoreHeaders", .string(underscoreHeaders.rawValue)),
        ])
    }
}

extension BackendConfig: Codable {
    public init(from decoder: any Decoder) throws { self = try decodeStrictly(decoder, BackendConfig.decode) }
    public func encode(to encoder: any Encoder) throws { try jsonValue.encode(to: encoder) }

    public var jsonValue: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("url", .string(url))]
        if let runtimeHandler { members.append(("runtimeHandler", .string(runtimeHandler))) }
        if let packageJson { members.append(("packageJson", .string(packageJson))) }
        members += [
            ("connectTimeoutMs", .integer(connectTimeoutMs)),
            ("responseTimeoutMs", .integer(responseTimeoutMs)),
            ("idleTimeoutMs", .integer(idleTimeoutMs)),
            ("queueTimeoutMs", .integer(queueTimeoutMs)),
            ("maxConnections", .integer(maxConnections)),
            ("caFile", caFile.map(JSONValue.string) ?? .null),
        ]
        return .object(members)
    }
}

extension Defaults: Codable {
    public init(from decoder: any Decoder) throws { self = try decodeStrictly(decoder, Defaults.decode) }
    public func encode(to encoder: any Encoder) throws { try jsonValue.encode(to: encoder) }

    public var jsonValue: JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        if let cors { members.append(("cors", cors)) }
        if let cookies { members.append(("cookies", cookies)) }
        return .object(members)
    }
}

extension RouteConfig: Codable {
    public init(from decoder: any Decoder) throws { self = try decodeStrictly(decoder, RouteConfig.decode) }
    public func encode(to encoder: any Encoder) throws { try jsonValue.encode(to: encoder) }

    public var jsonValue: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("name", .string(name)),
            ("match", match.jsonValue),
            ("backend", .string(backend)),
        ]
        if let rewrite { members.append(("rewrite", rewrite.jsonValue)) }
        if let cors { members.append(("cors", cors)) }
        if let cookies { members.append(("cookies", cookies)) }
        if let headers { members.append(("headers", headers.jsonValue)) }
        return .object(members)
    }
}

extension RouteMatch: Codable {
    public init(from decoder: any Decoder) throws { self = try decodeStrictly(decoder, RouteMatch.decode) }
    public func encode(to encoder: any Encoder) throws { try jsonValue.encode(to: encoder) }

    public var jsonValue: JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        if let hosts { members.append(("hosts", .array(hosts.map(JSONValue.string)))) }
        if let path { members.append(("path", .string(path))) }
        if let pathPrefix { members.append(("pathPrefix", .string(pathPrefix))) }
        if let methods { members.append(("methods", .array(methods.map(JSONValue.string)))) }
        return .object(members)
    }
}

extension Rewrite: Codable {
    public init(from decoder: any Decoder) throws { self = try decodeStrictly(decoder, Rewrite.decode) }
    public func encode(to encoder: any Encoder) throws { try jsonValue.encode(to: encoder) }

    public var jsonValue: JSONValue {
        .object(stripPrefix.map { [("stripPrefix", .string($0))] } ?? [])
    }
}

extension HeaderRules: Codable {
    public init(from decoder: any Decoder) throws { self = try decodeStrictly(decoder, HeaderRules.decode) }
    public func encode(to encoder: any Encoder) throws { try jsonValue.encode(to: encoder) }

    public var jsonValue: JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        if let request { members.append(("request", request.jsonValue)) }
        if let response { members.append(("response", response.jsonValue)) }
        return .object(members)
    }
}

extension HeaderEdits: Codable {
    public init(from decoder: any Decoder) throws { self = try decodeStrictly(decoder, HeaderEdits.decode) }
    public func encode(to encoder: any Encoder) throws { try jsonValue.encode(to: encoder) }

    public var jsonValue: JSONValue {
        .object([
            ("set", .object(self.set.map { ($0.name, JSONValue.string($0.value)) })),
            ("remove", .array(remove.map(JSONValue.string))),
        ])
    }
}

extension JSONValue {
    static func integer(_ value: Int) -> JSONValue { .number(Double(value)) }
}

extension ListenEntry {
    /// A plain listener as the bare string it can be written as; a TLS one as an object.
    public var jsonValue: JSONValue {
        guard let tls else { return .string(self.address) }
        return .object([
            ("address", .string(self.address)),
            ("tls", .object([
                ("certificates", .array(tls.certificates.map { pair in
                    .object([("certificateChain", .string(pair.certificateChain)), ("privateKey", .string(pair.privateKey))])
                })),
                ("minimumVersion", .string(tls.minimumVersion.rawValue)),
                ("alpn", .array(tls.alpn.map { .string($0.rawValue) })),
            ])),
        ])
    }
}
