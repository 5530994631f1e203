/// Reads `listen` (SPEC §3, §12): "host:port" strings and `{ "address", "tls" }` objects.
/// Only the shape is checked here; the certificate files are the server's to read (`check`
/// and reloads report what they find in them at the same JSON paths).
enum ListenFields {
    static let entryKeys = ["address", "tls"]
    static let tlsKeys = ["certificates", "minimumVersion", "alpn"]
    static let certificateKeys = ["certificateChain", "privateKey"]

    static func decode(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> [ListenEntry] {
        let allowed = "allowed: \"host:port\" strings and { \"address\", \"tls\" } objects"
        guard case .array(let elements) = value else {
            diagnostics.error(path, "expected an array of \"host:port\" strings or { \"address\", \"tls\" } objects, got \(value.kindDescription)")
            return []
        }
        guard !elements.isEmpty else {
            diagnostics.error(path, "at least one address is required; \(allowed)")
            return []
        }
        var entries: [ListenEntry] = []
        var firstIndex: [ListenAddress: Int] = [:]
        for (index, element) in elements.enumerated() {
            let entryPath = path.index(index)
            let entry: ListenEntry?
            let addressPath: JSONPath
            switch element {
            case .string(let text):
                entry = ListenEntry(address: text)
                addressPath = entryPath
            case .object:
                entry = Self.object(element, entryPath, &diagnostics)
                addressPath = entryPath.key("address")
            default:
                diagnostics.error(entryPath, "expected a string or an object, got \(element.kindDescription); \(allowed)")
                continue
            }
            guard let entry else { continue }
            entries.append(entry)
            switch ListenAddress.parse(entry.address) {
            case .failure(let violation):
                diagnostics.error(addressPath, violation.message)
            case .success(let address):
                // Port 0 binds a fresh port each time, so repeating it is not a conflict.
                if address.port != 0, let first = firstIndex[address] {
                    diagnostics.error(addressPath, "the same address as listen[\(first)]; each address can be bound once")
                } else {
                    firstIndex[address] = index
                }
            }
        }
        return entries
    }

    private static func object(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> ListenEntry? {
        guard let object = ObjectReader(value, at: path, allowed: entryKeys, &diagnostics) else { return nil }
        let address = object.require("address", expecting: "a \"host:port\" string", &diagnostics, JSONRead.string)
        let tls = object.read("tls", &diagnostics, Self.tls)
        return address.map { ListenEntry(address: $0, tls: tls) }
    }

    private static func tls(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> ListenTLS? {
        guard let object = ObjectReader(value, at: path, allowed: tlsKeys, &diagnostics) else { return nil }
        let certificates = object.require(
            "certificates", expecting: "an array of { \"certificateChain\", \"privateKey\" } objects", &diagnostics, Self.certificates)
        let minimumVersion = object.read("minimumVersion", &diagnostics, JSONRead.string(checkedBy: { text in
            ListenTLS.TLSVersion(rawValue: text) == nil
                ? "\(ConfigRules.quoted(text)) is not a TLS version; allowed: \"1.2\", \"1.3\"" : nil
        })).flatMap(ListenTLS.TLSVersion.init(rawValue:))
        let alpn = object.read("alpn", &diagnostics, Self.alpn)
        guard let certificates else { return nil }
        return ListenTLS(certificates: certificates, minimumVersion: minimumVersion ?? .v1_2, alpn: alpn ?? ListenTLS.defaultALPN)
    }

    private static func certificates(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> [CertificateFiles]? {
        guard case .array(let elements) = value, !elements.isEmpty else {
            diagnostics.error(path, "expected a non-empty array of { \"certificateChain\", \"privateKey\" } objects, got \(value.kindDescription)")
            return nil
        }
        var pairs: [CertificateFiles] = []
        for (index, element) in elements.enumerated() {
            let pairPath = path.index(index)
            guard let object = ObjectReader(element, at: pairPath, allowed: certificateKeys, &diagnostics) else { continue }
            let nonEmpty = JSONRead.string(checkedBy: { $0.isEmpty ? "an empty path; expected a PEM file's path" : nil })
            let chain = object.require("certificateChain", expecting: "a PEM certificate chain file's path", &diagnostics, nonEmpty)
            let key = object.require("privateKey", expecting: "a PEM private key file's path", &diagnostics, nonEmpty)
            if let chain, let key { pairs.append(CertificateFiles(certificateChain: chain, privateKey: key)) }
        }
        return pairs.count == elements.count ? pairs : nil
    }

    private static func alpn(_ value: JSONValue, _ path: JSONPath, _ diagnostics: inout Diagnostics) -> [ListenTLS.ApplicationProtocol]? {
        let allowed = "allowed: \"h2\", \"http/1.1\""
        guard let names = JSONRead.stringArray(refusingEmpty: "at least one protocol is required; \(allowed)")(value, path, &diagnostics) else {
            return nil
        }
        var protocols: [ListenTLS.ApplicationProtocol] = []
        for (index, name) in names.enumerated() {
            guard let known = ListenTLS.ApplicationProtocol(rawValue: name) else {
                diagnostics.error(path.index(index), "\(ConfigRules.quoted(name)) is not a protocol the gateway speaks; \(allowed)")
                continue
            }
            if protocols.contains(known) {
                diagnostics.error(path.index(index), "\(ConfigRules.quoted(name)) is listed twice")
                continue
            }
            protocols.append(known)
        }
        return protocols.count == names.count ? protocols : nil
    }
}
