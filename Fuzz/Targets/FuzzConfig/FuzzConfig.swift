// gateway.json through what `check` runs (ConfigLoader.parse, then GatewaySnapshot.resolve,
// which reads package.json files: none exist here). Properties:
// - any bytes give a result, and a result `check` accepts compiles: a snapshot, a route table
//   with every route of the file, an active config;
// - the accepted config round-trips: its model written back as JSON (the shape `GET /config`
//   shows routes, backends and limits in) is accepted again, to the same model and the same
//   `/config` document (each route as written and its effective CORS and cookie policies).
import FuzzSupport
import GatewayConfig

@testable import GatewayServer

private let directory = "/nonexistent/cors-gateway-fuzz"

/// What `check` accepts, compiled, with its `/config` document.
private func accepted(_ bytes: [UInt8]) -> (config: GatewayConfig, document: JSONValue)? {
    var result = ConfigLoader.parse(data: bytes)
    if result.config == nil {
        property(!result.isValid, "a valid result without a config")
        return nil
    }
    let snapshot = GatewaySnapshot.resolve(&result, configDirectory: directory)
    guard result.isValid else {
        property(snapshot == nil, "a snapshot for a config with errors: \(result.allErrors)")
        return nil
    }
    guard let snapshot, let config = result.config, let table = result.table else {
        property(false, "check accepts \(String(decoding: bytes, as: UTF8.self)) but it does not compile")
        return nil
    }
    property(table.routes.count == config.routes.count, "\(config.routes.count) routes accepted, \(table.routes.count) compiled")
    guard let active = ActiveConfig(startingWith: result, hash: "sha256:fuzz") else {
        property(false, "no active config for an accepted file")
        return nil
    }
    return (config, ConfigDocument.render(active: active, lastReload: nil, source: "gateway.json", runtimes: snapshot.runtimes))
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    guard let first = accepted(input.bytes) else { return 0 }
    let written = first.config.jsonValue.serialized()
    guard let second = accepted(Array(written.utf8)) else {
        var result = ConfigLoader.parse(data: Array(written.utf8))
        _ = GatewaySnapshot.resolve(&result, configDirectory: directory)
        property(false, "\(String(reflecting: input.text)) is accepted, its model written back is not: \(written) \(result.allErrors)")
        return 0
    }
    property(second.config.jsonValue == first.config.jsonValue,
             "the model changed through JSON: \(written) → \(second.config.jsonValue.serialized())")
    property(second.document == first.document,
             "/config changed through JSON: \(first.document.serialized()) → \(second.document.serialized())")
    return 0
}
