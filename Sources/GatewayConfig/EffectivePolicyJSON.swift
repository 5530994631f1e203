import CORSPolicy
import CookiePolicy

// The effective (merged) policies in the shape gateway.json uses, for `GET /config`: every
// field, with the value in force, so an operator sees what a route does without merging
// `defaults` in their head.

extension CORSConfig {
    public var jsonValue: JSONValue {
        func strings(_ list: [String]) -> JSONValue { .array(list.map(JSONValue.string)) }
        return .object([
            ("allowOrigins", strings(allowOrigins)),
            ("allowOriginRegex", strings(allowOriginRegex)),
            ("allowMethods", strings(allowMethods)),
            ("allowHeaders", strings(allowHeaders)),
            ("exposeHeaders", strings(exposeHeaders)),
            ("allowCredentials", .bool(allowCredentials)),
            ("maxAge", .number(Double(maxAge))),
            ("allowPrivateNetwork", .bool(allowPrivateNetwork)),
            ("preflight", .string(preflight.rawValue)),
            ("preflightStatus", .number(Double(preflightStatus))),
            ("backendHeaders", .string(backendHeaders.rawValue)),
            ("mode", .string(mode.rawValue)),
            ("debug", .bool(debug)),
        ])
    }
}

extension CookieConfig {
    public var jsonValue: JSONValue {
        let forward: JSONValue = switch self.forward {
        case .all: .string("*")
        case .names(let names): .array(names.map(JSONValue.string))
        }
        let domain: JSONValue = switch self.domain {
        case .strip: .string("strip")
        case .preserve: .string("preserve")
        case .set(let value): .string(value)
        }
        return .object([
            ("forward", forward),
            ("httpOnly", .bool(httpOnly)),
            ("secure", .bool(secure)),
            ("sameSite", sameSite.map { .string($0.rawValue) } ?? .null),
            ("partitioned", .bool(partitioned)),
            ("domain", domain),
            ("path", path.map(JSONValue.string) ?? .null),
            ("maxAge", .number(Double(maxAge))),
            ("overMaxAge", .string(overMaxAge.rawValue)),
        ])
    }
}
