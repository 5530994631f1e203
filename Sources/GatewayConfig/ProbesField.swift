// `probes` (SPEC §14): an optional listener serving only /healthz, /readyz and /metrics, so a
// kubelet and Prometheus can reach them on a pod's address while `admin`, which can read the
// whole config and trigger reloads, stays on loopback. Read like `admin`, without a default.

extension ConfigAnalysis {
    static func probes(_ root: ObjectReader, listen: [ListenEntry], admin: String?, _ top: inout Diagnostics) -> String? {
        let path = root.path.key("probes")
        let probes: String
        switch root.value("probes") {
        case nil, .null?:
            return nil
        case .string(let text)?:
            probes = text
        case let value?:
            top.error(path, "expected a \"host:port\" string, or null for no probes listener; got \(value.kindDescription)")
            return nil
        }
        let address: ListenAddress
        switch ListenAddress.parse(probes) {
        case .failure(let violation):
            top.error(path, violation.message)
            return probes
        case .success(let parsed):
            address = parsed
        }
        // Port 0 binds a fresh port each time, so it never clashes.
        guard address.port != 0 else { return probes }
        let allowed = "allowed: another address, or null for no probes listener"
        if let clash = listen.firstIndex(where: { $0.listenAddress == address }) {
            top.error(path, "the probes address is also listen[\(clash)]; \(allowed)")
        } else if let admin, ListenAddress(admin) == address {
            let which = root.value("admin") == nil ? "the default admin address \(admin)" : "the admin address"
            top.error(path, "the probes address is also \(which); \(allowed)")
        }
        return probes
    }
}

extension GatewayConfig {
    /// `probes` parsed; nil when there is no probes listener.
    public var probesAddress: ListenAddress? { probes.flatMap(ListenAddress.init) }
}
