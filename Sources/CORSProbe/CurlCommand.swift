import FetchCORS
import Foundation

/// The curl command line that sends the same request `probe` sent, for a terminal.
enum CurlCommand {
    static func line(_ exchange: WireRequest, caFile: String?) -> String {
        var words = ["curl", "-si"]
        switch exchange.method {
        case "GET": break
        case "HEAD": words = ["curl", "-sI"]
        default: words += ["-X", shellQuoted(exchange.method)]
        }
        words.append(shellQuoted(exchange.url.description))
        for header in exchange.headers { words += ["-H", shellQuoted("\(header.name): \(header.value)")] }
        if let caFile { words += ["--cacert", shellQuoted(caFile)] }
        return words.joined(separator: " ")
    }

    /// Single quotes unless the word is plainly safe.
    static func shellQuoted(_ word: String) -> String {
        let safe = !word.isEmpty && word.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_./:=@%+,".unicodeScalars.contains(scalar))
        }
        return safe ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
