/// One `listen` entry (SPEC §12): an address for plain HTTP/1.1, or an address with TLS.
public struct ListenEntry: Sendable, Equatable {
    /// "host:port", as `ListenAddress` reads it.
    public var address: String
    /// nil: plain HTTP/1.1, as a bare "host:port" string means.
    public var tls: ListenTLS?

    public init(address: String, tls: ListenTLS? = nil) {
        self.address = address
        self.tls = tls
    }

    /// The parsed address; every entry of a validated config has one.
    public var listenAddress: ListenAddress? { ListenAddress(self.address) }

    /// What binding the listener fixes: its address, and whether it speaks TLS.
    var binding: String { (self.tls == nil ? "" : "tls ") + self.address }
}

/// A TLS listener's settings. Certificate files are read by the server (the config layer
/// knows no TLS library); their paths are as written, relative ones against the config
/// file's directory.
public struct ListenTLS: Sendable, Equatable {
    public var certificates: [CertificateFiles]
    public var minimumVersion: TLSVersion
    /// ALPN protocols in the server's order of preference; "h2" enables HTTP/2.
    public var alpn: [ApplicationProtocol]

    public static let defaultALPN: [ApplicationProtocol] = [.h2, .http1_1]

    public init(certificates: [CertificateFiles], minimumVersion: TLSVersion = .v1_2, alpn: [ApplicationProtocol] = ListenTLS.defaultALPN) {
        self.certificates = certificates
        self.minimumVersion = minimumVersion
        self.alpn = alpn
    }

    public enum TLSVersion: String, Sendable, CaseIterable {
        case v1_2 = "1.2"
        case v1_3 = "1.3"
    }

    public enum ApplicationProtocol: String, Sendable, CaseIterable {
        case h2 = "h2"
        case http1_1 = "http/1.1"
    }
}

/// A certificate chain and its private key, PEM files.
public struct CertificateFiles: Sendable, Equatable, Hashable {
    public var certificateChain: String
    public var privateKey: String

    public init(certificateChain: String, privateKey: String) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
    }
}
