import Foundation
import Glibc
import NIOConcurrencyHelpers

/// A loopback upstream on plain POSIX sockets whose every accepted connection runs a script,
/// step by step, on a thread of its own: read the head, read N body bytes, answer with any
/// bytes (framing that NIO's encoder would refuse included), hold the connection without
/// reading, close or reset it.
///
/// Every wait has a deadline, and ``shutdown()`` wakes scripts that are still waiting, so a
/// script can never hang a test run. A script that throws is recorded in ``scriptFailures``.
public final class StepBackend: @unchecked Sendable {
    public typealias Script = @Sendable (StepConnection) throws -> Void

    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(self.port)" }

    private let listener: Int32
    private let script: Script
    private let lock = NIOLock()
    private let acceptThreadEnded = DispatchSemaphore(value: 0)
    // Guarded by `lock`.
    private var stopping = false
    private var open: [ObjectIdentifier: StepConnection] = [:]
    private var runningScripts = 0
    private var heads: [String] = []
    private var failures: [String] = []
    private var accepted = 0

    private init(listener: Int32, port: Int, script: @escaping Script) {
        self.listener = listener
        self.port = port
        self.script = script
    }

    /// Binds 127.0.0.1 on a free port and runs `script` for every connection accepted.
    public static func start(_ script: @escaping Script) throws -> StepBackend {
        let listener = try LoopbackListener.bind(backlog: 64, nonBlocking: true)
        let backend = StepBackend(listener: listener.descriptor, port: listener.port, script: script)
        let thread = Thread { backend.acceptLoop() }
        thread.name = "step-backend-accept"
        thread.start()
        return backend
    }

    /// Each request head read by a script (``StepConnection/readHead(timeout:)``), `\r\n\r\n`
    /// excluded, in the order they were read.
    public var requestHeads: [String] { self.lock.withLock { self.heads } }
    /// The request line's method of each head in ``requestHeads``.
    public var requestMethods: [String] {
        self.requestHeads.map { String($0.prefix { $0 != " " }) }
    }
    public var acceptedConnections: Int { self.lock.withLock { self.accepted } }
    /// What every script that threw said.
    public var scriptFailures: [String] { self.lock.withLock { self.failures } }
    var isStopping: Bool { self.lock.withLock { self.stopping } }

    /// Stops accepting, wakes every script still waiting (its socket is shut down, so the
    /// gateway sees the connection end), and waits up to two seconds for the scripts to return.
    public func shutdown() {
        let alreadyStopping = self.lock.withLock { () -> Bool in
            defer { self.stopping = true }
            for connection in self.open.values { connection.shutdownSocket() }
            return self.stopping
        }
        guard !alreadyStopping else { return }
        self.acceptThreadEnded.wait()
        Glibc.close(self.listener)
        let deadline = ContinuousClock.now + .seconds(2)
        while self.lock.withLock({ self.runningScripts }) > 0, ContinuousClock.now < deadline {
            usleep(10_000)
        }
    }

    func recordHead(_ head: String) {
        self.lock.withLock { self.heads.append(head) }
    }

    private func acceptLoop() {
        defer { self.acceptThreadEnded.signal() }
        while !self.isStopping {
            var poller = pollfd(fd: self.listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 20) > 0 else { continue }
            let descriptor = accept(self.listener, nil, nil)
            guard descriptor >= 0 else { continue }
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            let connection = StepConnection(descriptor: descriptor, backend: self)
            let admitted = self.lock.withLock { () -> Bool in
                guard !self.stopping else { return false }
                self.accepted += 1
                self.runningScripts += 1
                self.open[ObjectIdentifier(connection)] = connection
                return true
            }
            guard admitted else {
                connection.close()
                return
            }
            let script = self.script
            let thread = Thread {
                do {
                    try script(connection)
                } catch {
                    self.lock.withLock { self.failures.append("\(error)") }
                }
                connection.close()
                self.lock.withLock { self.runningScripts -= 1 }
            }
            thread.name = "step-backend-connection"
            thread.start()
        }
    }

    /// Closes the descriptor under the backend's lock, so ``shutdown()`` never shuts down a
    /// descriptor number that was closed and reused meanwhile.
    fileprivate func forget(_ connection: StepConnection, closing: () -> Void) {
        self.lock.withLock {
            closing()
            self.open[ObjectIdentifier(connection)] = nil
        }
    }
}

/// One ``StepBackend`` connection, driven by its script on the script's thread.
public final class StepConnection: @unchecked Sendable {
    private var descriptor: Int32
    private unowned let backend: StepBackend
    /// Received and not yet consumed.
    private var inbound: [UInt8] = []
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)
    /// Body bytes consumed by ``readBody(count:timeout:)`` and ``discardBody(upTo:timeout:)``.
    public private(set) var bodyBytesRead = 0

    fileprivate init(descriptor: Int32, backend: StepBackend) {
        self.descriptor = descriptor
        self.backend = backend
    }

    /// Reads up to and including the blank line ending a request head; returns the head
    /// without it (request line first). Bytes after it stay for the body reads.
    @discardableResult
    public func readHead(timeout: Duration = .seconds(5)) throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let end = findCRLFCRLF(self.inbound) {
                let head = String(decoding: self.inbound[..<end], as: UTF8.self)
                self.inbound.removeFirst(end + 4)
                self.backend.recordHead(head)
                return head
            }
            guard try self.fill(until: deadline) else {
                throw StepBackendError.closed("before a complete request head (\(self.inbound.count) bytes came)")
            }
        }
    }

    /// Like ``readHead(timeout:)``, but nil when the peer closes cleanly before sending a byte
    /// of another request: the end of a keep-alive loop.
    public func readNextHead(timeout: Duration = .seconds(30)) throws -> String? {
        let deadline = ContinuousClock.now + timeout
        while self.inbound.isEmpty {
            guard try self.fill(until: deadline) else { return nil }
        }
        return try self.readHead(timeout: deadline - ContinuousClock.now)
    }

    /// Reads exactly `count` body bytes.
    @discardableResult
    public func readBody(count: Int, timeout: Duration = .seconds(5)) throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while self.inbound.count < count {
            guard try self.fill(until: deadline) else {
                throw StepBackendError.closed("after \(self.inbound.count) of \(count) body bytes")
            }
        }
        let body = Array(self.inbound[..<count])
        self.inbound.removeFirst(count)
        self.bodyBytesRead += count
        return body
    }

    /// The Content-Length of a head from ``readHead(timeout:)``, if it has one.
    public static func contentLength(of head: String) -> Int? {
        for line in head.split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].lowercased() == "content-length" {
                return Int(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
        }
        return nil
    }

    public func send(_ bytes: [UInt8], timeout: Duration = .seconds(5)) throws {
        let deadline = ContinuousClock.now + timeout
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes {
                Glibc.send(self.descriptor, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count >= 0 {
                sent += count
                continue
            }
            guard errno == EAGAIN || errno == EWOULDBLOCK else {
                throw StepBackendError.system(call: "send", errno: errno)
            }
            guard try self.wait(for: Int16(POLLOUT), until: deadline) else {
                throw StepBackendError.timedOut("sending: \(sent) of \(bytes.count) bytes went out")
            }
        }
    }

    public func send(_ text: String, timeout: Duration = .seconds(5)) throws {
        try self.send(Array(text.utf8), timeout: timeout)
    }

    /// Keeps the connection open for `duration` without reading from it, or until the backend
    /// shuts down.
    public func hold(for duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline, !self.backend.isStopping {
            usleep(10_000)
        }
    }

    /// Waits up to `duration` for the peer to close the connection, reading and discarding
    /// whatever arrives meanwhile. True if it closed (or reset).
    public func waitForPeerClose(within duration: Duration) throws -> Bool {
        let deadline = ContinuousClock.now + duration
        while true {
            do {
                guard try self.fill(until: deadline) else { return true }
                self.inbound.removeAll(keepingCapacity: true)
            } catch StepBackendError.timedOut {
                return false
            } catch StepBackendError.system {
                return true
            }
        }
    }

    /// SO_LINGER 0, then close: the peer sees ECONNRESET.
    public func reset() {
        var option = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(self.descriptor, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        self.close()
    }

    public func close() {
        self.backend.forget(self) {
            if self.descriptor >= 0 {
                _ = Glibc.close(self.descriptor)
                self.descriptor = -1
            }
        }
    }

    /// Called with the backend's lock held.
    fileprivate func shutdownSocket() {
        if self.descriptor >= 0 { _ = Glibc.shutdown(self.descriptor, Int32(SHUT_RDWR)) }
    }

    /// Receives once into `inbound`; false when the peer ended the stream.
    private func fill(until deadline: ContinuousClock.Instant) throws -> Bool {
        while true {
            let count = self.scratch.withUnsafeMutableBytes { Glibc.recv(self.descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                self.inbound += self.scratch[..<count]
                return true
            }
            if count == 0 { return false }
            guard errno == EAGAIN || errno == EWOULDBLOCK else {
                throw StepBackendError.system(call: "recv", errno: errno)
            }
            guard try self.wait(for: Int16(POLLIN), until: deadline) else {
                throw StepBackendError.timedOut("reading: \(self.inbound.count) bytes unconsumed")
            }
        }
    }

    /// Waits in short slices so that a backend shutdown ends the wait promptly.
    private func wait(for events: Int16, until deadline: ContinuousClock.Instant) throws -> Bool {
        while true {
            if self.backend.isStopping { throw StepBackendError.stopped }
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { return false }
            var poller = pollfd(fd: self.descriptor, events: events, revents: 0)
            let ready = poll(&poller, 1, 20)
            if ready > 0 { return true }
            if ready < 0 && errno != EINTR { throw StepBackendError.system(call: "poll", errno: errno) }
        }
    }
}

public enum StepBackendError: Error, CustomStringConvertible {
    case system(call: String, errno: Int32)
    case timedOut(String)
    case closed(String)
    case stopped

    public var description: String {
        switch self {
        case .system(let call, let code): "\(call) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .timedOut(let what): "step backend timed out \(what)"
        case .closed(let what): "step backend: the gateway closed the connection \(what)"
        case .stopped: "step backend shut down"
        }
    }
}

private func findCRLFCRLF(_ bytes: [UInt8]) -> Int? {
    guard bytes.count >= 4 else { return nil }
    for index in 0...(bytes.count - 4)
    where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
        return index
    }
    return nil
}
