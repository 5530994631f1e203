import CORSPolicy

/// A config built from the defaults by `configure`.
func corsConfig(_ configure: (inout CORSConfig) -> Void = { _ in }) -> CORSConfig {
    var config = CORSConfig()
    configure(&config)
    return config
}

/// Compiles `config`; the tables only hold valid regexes.
func compile(_ config: CORSConfig) -> CORSPolicy {
    do {
        return try CORSPolicy(config)
    } catch {
        fatalError("test config does not compile: \(error)")
    }
}

/// "Name: value" lines (the first ": " splits) into header lines.
func lines(_ texts: [String]) -> HeaderLines {
    texts.map { text in
        guard let separator = text.firstRange(of: ": ") else { return (name: text.hasSuffix(":") ? String(text.dropLast()) : text, value: "") }
        return (name: String(text[..<separator.lowerBound]), value: String(text[separator.upperBound...]))
    }
}

/// Header lines back into "Name: value" texts, for exact comparisons.
func texts(_ lines: HeaderLines) -> [String] {
    lines.map { "\($0.name): \($0.value)" }
}

let preflightVary = "Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
let preflightVaryPNA = "Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network"
