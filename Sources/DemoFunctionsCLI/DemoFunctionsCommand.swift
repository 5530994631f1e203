import ArgumentParser
import FunctionDemo
import Glibc

@main
struct DemoFunctionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-functions",
        abstract: "Runs two demo function backends for the gateway: one at runtime handler 2.1.2, one classic.",
        discussion: """
            Every path answers with JSON describing the request the function received (method, path, \
            query, headers in order, cookies, body size). ?setCookie=name=value (repeatable) adds \
            Set-Cookie lines; /slow?ms=N answers after N ms (at most 10 s). Stops on SIGINT or SIGTERM.
            """)

    @Option(help: "Port of the service at runtime handler 2.1.2 (sees headers and cookies behind the gateway).")
    var modernPort = 9001

    @Option(help: "Port of the classic service (the gateway strips its headers and cookies).")
    var classicPort = 9002

    @Option(help: "Address both services listen on.")
    var host = "127.0.0.1"

    func run() async throws {
        let signals = TerminationSignals()
        let services = [
            DemoFunctionServer(name: "modern", runtimeHandler: "2.1.2", host: self.host, port: self.modernPort),
            DemoFunctionServer(name: "classic", runtimeHandler: "classic", host: self.host, port: self.classicPort),
        ]
        var started: [DemoFunctionServer] = []
        do {
            for service in services {
                let port = try await service.start()
                started.append(service)
                print("\(service.name): listening on http://\(self.host):\(port) (runtime handler \(service.runtimeHandler))")
                // Flush now: when stdout is a pipe or log file it is block-buffered.
                fflush(nil)
            }
        } catch {
            for service in started { try? await service.shutdown() }
            throw error
        }

        let signal = await signals.next()
        print("demo-functions: \(signal) received, shutting down")
        for service in services {
            try await service.shutdown()
        }
    }
}
