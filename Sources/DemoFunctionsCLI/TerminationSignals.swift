import Dispatch
import Glibc

/// Delivers SIGINT and SIGTERM to async code instead of letting them kill the process, so the
/// services can close their connections first.
struct TerminationSignals {
    private let sources: [any DispatchSourceSignal]
    private let received: AsyncStream<Int32>

    /// Takes over both signals at once; create it before starting anything that must be stopped.
    init() {
        let (received, continuation) = AsyncStream.makeStream(of: Int32.self)
        self.received = received
        self.sources = [SIGINT, SIGTERM].map { number in
            // Ignored at process level, still seen by the dispatch source.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    /// Waits for the first of the two signals and returns its name.
    func next() async -> String {
        for await number in self.received {
            return number == SIGINT ? "SIGINT" : "SIGTERM"
        }
        return "end of signal stream"
    }
}
