import Glibc

/// A listening TCP socket on 127.0.0.1 at a free port, for the test backends written on plain
/// POSIX sockets.
public struct LoopbackListener: Sendable {
    public let descriptor: Int32
    public let port: Int
    /// The bound address, for connecting to it.
    public let address: sockaddr_in

    public struct SetupError: Error, CustomStringConvertible {
        public let call: String
        public let errno: Int32
        public var description: String { "\(self.call) failed: \(String(cString: strerror(self.errno)))" }

        public init(call: String, errno: Int32) {
            self.call = call
            self.errno = errno
        }
    }

    public static func bind(backlog: Int32, nonBlocking: Bool = false) throws -> LoopbackListener {
        let flags = nonBlocking ? Int32(SOCK_NONBLOCK.rawValue) : 0
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | flags, 0)
        guard descriptor >= 0 else { throw SetupError(call: "socket", errno: errno) }
        var reuse: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(descriptor, $0, length) }
        }
        guard bound == 0, listen(descriptor, backlog) == 0 else {
            let code = errno
            close(descriptor)
            throw SetupError(call: "bind/listen", errno: code)
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return LoopbackListener(descriptor: descriptor, port: Int(UInt16(bigEndian: address.sin_port)), address: address)
    }
}
