import Foundation
import GatewayTestSupport
import Glibc
import Synchronization

/// A raw-socket HTTP backend on 127.0.0.1 whose every connection runs `script` on its own
/// thread, with blocking reads bounded by a receive timeout, so a test can answer at exactly
/// the moment it wants (before the request body is complete, never, or twice).
final class LoopbackBackend: Sendable {
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(self.port)" }
    private let listener: Int32
    private let stopping = Atomic<Bool>(false)
    private let accepted = Atomic<Int>(0)
    private let acceptLoopEnded = DispatchSemaphore(value: 0)

    /// Connections accepted so far.
    var connectionCount: Int { self.accepted.load(ordering: .relaxed) }

    init(script: @escaping @Sendable (LoopbackConnection, Int) -> Void) throws {
        let listener = try LoopbackListener.bind(backlog: 64)
        self.listener = listener.descriptor
        self.port = listener.port
        let thread = Thread { [self] in self.acceptLoop(script) }
        thread.start()
    }

    /// A backend that accepts connections and never answers.
    static func silent() throws -> LoopbackBackend {
        try LoopbackBackend { connection, _ in connection.waitForClose() }
    }

    /// A backend that answers every request head with `response`, then keeps the connection
    /// for the next request.
    static func answering(_ response: String) throws -> LoopbackBackend {
        try LoopbackBackend { connection, _ in
            while connection.readHead() != nil { connection.write(response) }
        }
    }

    private func acceptLoop(_ script: @escaping @Sendable (LoopbackConnection, Int) -> Void) {
        while !self.stopping.load(ordering: .relaxed) {
            var poller = pollfd(fd: self.listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let client = accept(self.listener, nil, nil)
            guard client >= 0 else { continue }
            let index = self.accepted.wrappingAdd(1, ordering: .relaxed).oldValue
            let connection = LoopbackConnection(descriptor: client)
            Thread { script(connection, index); connection.close() }.start()
        }
        self.acceptLoopEnded.signal()
    }

    func shutdown() {
        guard !self.stopping.exchange(true, ordering: .relaxed) else { return }
        self.acceptLoopEnded.wait()
        close(self.listener)
    }
}

/// One accepted connection; used by one script thread.
final class LoopbackConnection: @unchecked Sendable {
    private let descriptor: Int32
    private var received: [UInt8] = []
    private var closed = false

    init(descriptor: Int32) {
        self.descriptor = descriptor
        var timeout = timeval(tv_sec: 5, tv_usec: 0)  // no script can block a test for long
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The next request head (through its blank line), or nil when the peer closed or timed out.
    func readHead() -> String? {
        while true {
            if let end = self.headEnd() {
                let head = String(decoding: self.received[..<end], as: UTF8.self)
                self.received.removeFirst(end)
                return head
            }
            guard self.fill() else { return nil }
        }
    }

    /// At least one body byte (whatever arrived), or nil when the peer closed or timed out.
    func readSome() -> [UInt8]? {
        if self.received.isEmpty, !self.fill() { return nil }
        defer { self.received.removeAll() }
        return self.received
    }

    func write(_ text: String) {
        self.write(Array(text.utf8))
    }

    func write(_ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { send(self.descriptor, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return }
            sent += count
        }
    }

    /// Reads and drops bytes until the peer closes (or the receive timeout passes).
    func waitForClose() {
        while self.fill() { self.received.removeAll() }
    }

    func close() {
        guard !self.closed else { return }
        self.closed = true
        Glibc.close(self.descriptor)
    }

    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        self.received += chunk[..<count]
        return true
    }

    private func headEnd() -> Int? {
        guard self.received.count >= 4 else { return nil }
        for index in 0...(self.received.count - 4)
        where self.received[index] == 13 && self.received[index + 1] == 10 && self.received[index + 2] == 13
            && self.received[index + 3] == 10
        {
            return index + 4
        }
        return nil
    }
}
