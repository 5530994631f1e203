import Glibc

/// A non-blocking IPv4 TCP socket whose every wait goes through `poll` with a deadline, so
/// nothing built on it can hang a test run.
final class DeadlineSocket {
    private(set) var descriptor: Int32
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        self.close()
    }

    static func connect(host: String, port: Int, deadline: ContinuousClock.Instant) throws -> DeadlineSocket {
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { throw RawHTTPClientError.system(call: "socket", errno: errno) }
        let socket = DeadlineSocket(descriptor: descriptor)

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw RawHTTPClientError.connectFailed(host: host, port: port, reason: "not an IPv4 address")
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result != 0 {
            guard errno == EINPROGRESS else {
                throw RawHTTPClientError.connectFailed(host: host, port: port, reason: describe(errno: errno))
            }
            guard try socket.wait(for: Int16(POLLOUT), until: deadline) else {
                throw RawHTTPClientError.timedOut("connecting to \(host):\(port)")
            }
            let failure = socket.option(SO_ERROR)
            guard failure == 0 else {
                throw RawHTTPClientError.connectFailed(host: host, port: port, reason: describe(errno: failure))
            }
        }
        return socket
    }

    /// Sends every byte or throws: on timeout the error says how many bytes went out.
    func send(_ bytes: UnsafeRawBufferPointer, deadline: ContinuousClock.Instant) throws {
        var sent = 0
        while sent < bytes.count {
            // MSG_NOSIGNAL: a peer that closed must surface as EPIPE, not kill the test runner.
            let count = Glibc.send(self.descriptor, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            if count >= 0 {
                sent += count
                continue
            }
            guard errno == EAGAIN || errno == EWOULDBLOCK else {
                throw RawHTTPClientError.sendFailed(sent: sent, total: bytes.count, reason: describe(errno: errno))
            }
            guard try self.wait(for: Int16(POLLOUT), until: deadline) else {
                throw RawHTTPClientError.sendTimedOut(sent: sent, total: bytes.count)
            }
        }
    }

    enum Received {
        case bytes(ArraySlice<UInt8>)
        case ended(RawConnectionEnd)
        case timedOut
    }

    /// Waits until bytes arrive or the peer ends the stream, whichever comes first before the
    /// deadline.
    func receive(deadline: ContinuousClock.Instant) throws -> Received {
        while true {
            let count = self.scratch.withUnsafeMutableBytes { Glibc.recv(self.descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 { return .bytes(self.scratch[..<count]) }
            if count == 0 { return .ended(.closed) }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { return .ended(.reset) }
            guard try self.wait(for: Int16(POLLIN), until: deadline) else { return .timedOut }
        }
    }

    func setOption(_ name: Int32, _ value: Int32) throws {
        var value = value
        guard setsockopt(self.descriptor, SOL_SOCKET, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw RawHTTPClientError.system(call: "setsockopt", errno: errno)
        }
    }

    func close() {
        if self.descriptor >= 0 {
            _ = Glibc.close(self.descriptor)
            self.descriptor = -1
        }
    }

    /// Waits for `events`; false when the deadline passed first. Errors and hang-ups count as
    /// ready, so the following send/recv reports them.
    private func wait(for events: Int16, until deadline: ContinuousClock.Instant) throws -> Bool {
        while true {
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { return false }
            let (seconds, attoseconds) = remaining.components
            // Round up so a sub-millisecond remainder does not become a busy zero-timeout poll.
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var poller = pollfd(fd: self.descriptor, events: events, revents: 0)
            let ready = poll(&poller, 1, milliseconds)
            if ready > 0 { return true }
            if ready < 0 && errno != EINTR { throw RawHTTPClientError.system(call: "poll", errno: errno) }
        }
    }

    private func option(_ name: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(self.descriptor, SOL_SOCKET, name, &value, &length)
        return value
    }
}

func describe(errno code: Int32) -> String {
    "\(String(cString: strerror(code))) (errno \(code))"
}
