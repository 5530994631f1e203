import GatewayTestSupport
import Glibc

/// A loopback listener whose accept queue is full and never drained, so new TCP handshakes
/// to it hang: a backend that cannot be connected to in time, without leaving the machine.
final class StalledListener {
    let port: Int
    private let listener: Int32
    private var fillers: [Int32] = []

    init() throws {
        let bound = try LoopbackListener.bind(backlog: 0)
        self.listener = bound.descriptor
        self.port = bound.port
        var address = bound.address
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        // Fill the accept queue (backlog 0 still admits one) with connections nobody accepts.
        for _ in 0..<3 {
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, length) }
            }
            self.fillers.append(filler)
        }
        usleep(50_000)
    }

    func close() {
        for filler in self.fillers { Glibc.close(filler) }
        Glibc.close(self.listener)
    }
}
