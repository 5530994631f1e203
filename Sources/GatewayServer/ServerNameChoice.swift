/// Which of a TLS listener's certificates answers a handshake (SPEC §12): the first whose
/// names hold the client's server name (SNI) exactly, then the first with a `*.` wildcard
/// covering it (one label: `*.example.com` covers `api.example.com`, not `example.com` nor
/// `a.b.example.com`), else the first certificate.
enum ServerNameChoice {
    static func index(for serverName: String?, among names: [[String]]) -> Int {
        guard var name = serverName?.lowercased(), !name.isEmpty else { return 0 }
        if name.hasSuffix(".") { name.removeLast() }
        if let exact = names.firstIndex(where: { $0.contains(name) }) { return exact }
        guard let dot = name.firstIndex(of: "."), dot != name.startIndex else { return 0 }
        let wildcard = "*" + name[dot...]
        return names.firstIndex(where: { $0.contains(wildcard) }) ?? 0
    }
}
