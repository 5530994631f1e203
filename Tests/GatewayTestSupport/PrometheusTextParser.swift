/// A strict reader of the Prometheus text exposition format 0.0.4, limited to what the gateway
/// emits, so any drift in swift-prometheus's output fails the tests rather than a scraper.
///
/// Beyond the format it rejects what the gateway never writes: empty lines, comments other than
/// HELP and TYPE, timestamps, trailing commas in label sets, and types other than counter,
/// gauge and histogram. Every sample must belong to the family of the most recent HELP/TYPE
/// block, so a family's lines are contiguous; each histogram series has ascending buckets with
/// cumulative counts, ending in `le="+Inf"` equal to its `_count`, plus a `_sum`.
public struct Exposition: Sendable {
    public enum MetricType: String, Sendable {
        case counter, gauge, histogram
    }

    public struct Family: Sendable {
        public var type: MetricType?
        public var help: String?
    }

    /// A sample name with its labels; `description` is the canonical `name{a="b",...}` form.
    public struct Series: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public let labels: [String: String]

        public init(_ name: String, _ labels: [String: String] = [:]) {
            self.name = name
            self.labels = labels
        }

        public var description: String {
            let rendered = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\(String(reflecting: $0.value))" }
            return rendered.isEmpty ? name : "\(name){\(rendered.joined(separator: ","))}"
        }
    }

    public struct Histogram: Sendable {
        public var buckets: [(upperBound: Double, count: Double)] = []
        public var sum: Double?
        public var count: Double?
    }

    public struct ParseError: Error, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public private(set) var families: [String: Family] = [:]
    public private(set) var samples: [Series: Double] = [:]
    /// Keyed by family name and the series' labels without `le`.
    public private(set) var histograms: [Series: Histogram] = [:]

    public init(parsing text: String) throws(ParseError) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.removeLast().isEmpty else {
            throw ParseError(line: lines.count + 1, reason: "missing final line feed")
        }
        var current: String?
        for (index, line) in lines.enumerated() {
            var cursor = Cursor(line: line, number: index + 1)
            if line.hasPrefix("#") {
                current = try readDescriptor(&cursor, current: current)
            } else {
                try readSample(&cursor, current: current)
            }
        }
        try checkFamilies()
    }

    public func value(_ series: Series) -> Double? {
        samples[series]
    }

    public func histogram(_ name: String, _ labels: [String: String] = [:]) -> Histogram? {
        histograms[Series(name, labels)]
    }

    /// Reads a HELP or TYPE line; returns the family whose samples may follow it.
    private mutating func readDescriptor(_ cursor: inout Cursor, current: String?) throws(ParseError) -> String {
        try cursor.expect("# ")
        let keyword = cursor.readWhile { $0 != UInt8(ascii: " ") }
        try cursor.expect(" ")
        let name = try cursor.readMetricName()
        guard name == current || families[name] == nil else {
            throw cursor.error("lines of family \(name) are not contiguous")
        }
        try cursor.expect(" ")
        var family = families[name] ?? Family()
        switch keyword {
        case "HELP":
            guard family.help == nil else { throw cursor.error("second HELP for \(name)") }
            family.help = try cursor.readHelpText()
        case "TYPE":
            guard family.type == nil else { throw cursor.error("second TYPE for \(name)") }
            guard let type = MetricType(rawValue: cursor.readRest()) else { throw cursor.error("unknown type") }
            family.type = type
        default:
            throw cursor.error("comment other than HELP or TYPE")
        }
        guard !samples.keys.contains(where: { Self.familyName(of: $0.name, in: name, type: family.type) }) else {
            throw cursor.error("\(keyword) after samples of \(name)")
        }
        families[name] = family
        return name
    }

    private mutating func readSample(_ cursor: inout Cursor, current: String?) throws(ParseError) {
        let name = try cursor.readMetricName()
        let labels = try cursor.readLabels()
        try cursor.expect(" ")
        let value = try cursor.readValue()
        guard let current, let type = families[current]?.type else {
            throw cursor.error("sample \(name) without a preceding TYPE")
        }
        guard Self.familyName(of: name, in: current, type: type) else {
            throw cursor.error("sample \(name) outside its family (current family \(current))")
        }
        let series = Series(name, labels)
        guard samples[series] == nil else { throw cursor.error("duplicate series \(series)") }
        if type == .counter, !(value >= 0) {
            throw cursor.error("counter value \(value)")
        }
        samples[series] = value
        guard type == .histogram else {
            guard labels["le"] == nil else { throw cursor.error("le label outside a histogram") }
            return
        }
        try addHistogramSample(series, value: value, family: current, cursor: cursor)
    }

    private mutating func addHistogramSample(
        _ series: Series, value: Double, family: String, cursor: Cursor
    ) throws(ParseError) {
        var labels = series.labels
        let le = labels.removeValue(forKey: "le")
        let key = Series(family, labels)
        var histogram = histograms[key] ?? Histogram()
        switch (series.name.dropFirst(family.count), le) {
        case ("_bucket", let le?):
            guard let upperBound = Cursor.parseValue(le), !upperBound.isNaN else {
                throw cursor.error("le \(String(reflecting: le)) is not a number")
            }
            if let last = histogram.buckets.last {
                guard upperBound > last.upperBound else { throw cursor.error("le \(le) not ascending") }
                guard value >= last.count else { throw cursor.error("bucket le=\(le) not cumulative") }
            }
            guard histogram.sum == nil, histogram.count == nil else {
                throw cursor.error("bucket after _sum or _count")
            }
            histogram.buckets.append((upperBound, value))
        case ("_sum", nil):
            histogram.sum = value
        case ("_count", nil):
            histogram.count = value
        default:
            throw cursor.error("\(series.name) with le=\(le ?? "none")")
        }
        histograms[key] = histogram
    }

    private func checkFamilies() throws(ParseError) {
        for (name, family) in families where family.type == nil {
            throw ParseError(line: 0, reason: "HELP without TYPE for \(name)")
        }
        for (series, histogram) in histograms {
            guard let last = histogram.buckets.last, last.upperBound == .infinity else {
                throw ParseError(line: 0, reason: "\(series) has no le=\"+Inf\" bucket")
            }
            guard let count = histogram.count, histogram.sum != nil else {
                throw ParseError(line: 0, reason: "\(series) lacks _sum or _count")
            }
            guard last.count == count else {
                throw ParseError(line: 0, reason: "\(series): +Inf bucket \(last.count) != _count \(count)")
            }
        }
    }

    private static func familyName(of sample: String, in family: String, type: MetricType?) -> Bool {
        switch type {
        case .histogram: [family + "_bucket", family + "_sum", family + "_count"].contains(sample)
        case .counter, .gauge, nil: sample == family
        }
    }
}

/// Reads one line byte by byte; every read either consumes exactly its grammar or throws.
private struct Cursor {
    private let bytes: [UInt8]
    private var index = 0
    let number: Int

    init(line: Substring, number: Int) {
        self.bytes = Array(line.utf8)
        self.number = number
    }

    func error(_ reason: String) -> Exposition.ParseError {
        Exposition.ParseError(line: number, reason: reason)
    }

    private var next: UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    mutating func expect(_ literal: String) throws(Exposition.ParseError) {
        for byte in literal.utf8 {
            guard next == byte else { throw error("expected \(String(reflecting: literal)) at column \(index + 1)") }
            index += 1
        }
    }

    mutating func readWhile(_ predicate: (UInt8) -> Bool) -> String {
        let start = index
        while let byte = next, predicate(byte) {
            index += 1
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func readRest() -> String {
        readWhile { _ in true }
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    mutating func readMetricName() throws(Exposition.ParseError) -> String {
        try readName(allowingColon: true)
    }

    private mutating func readName(allowingColon: Bool) throws(Exposition.ParseError) -> String {
        let isFirst: (UInt8) -> Bool = {
            Self.isLetter($0) || $0 == UInt8(ascii: "_") || (allowingColon && $0 == UInt8(ascii: ":"))
        }
        guard let first = next, isFirst(first) else { throw error("expected a name at column \(index + 1)") }
        return readWhile { isFirst($0) || Self.isDigit($0) }
    }

    /// `\\` and `\n` are the only escapes in HELP text.
    mutating func readHelpText() throws(Exposition.ParseError) -> String {
        var text: [UInt8] = []
        while let byte = next {
            index += 1
            guard byte == UInt8(ascii: "\\") else {
                text.append(byte)
                continue
            }
            switch next {
            case UInt8(ascii: "\\"): text.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "n"): text.append(UInt8(ascii: "\n"))
            default: throw error("bad escape in HELP text")
            }
            index += 1
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// An optional `{name="value",...}`; `\\`, `\"` and `\n` are the only escapes in values.
    mutating func readLabels() throws(Exposition.ParseError) -> [String: String] {
        var labels: [String: String] = [:]
        guard next == UInt8(ascii: "{") else { return labels }
        index += 1
        if next == UInt8(ascii: "}") {
            index += 1
            return labels
        }
        while true {
            let name = try readName(allowingColon: false)
            try expect("=\"")
            var value: [UInt8] = []
            while true {
                guard let byte = next else { throw error("unterminated label value") }
                index += 1
                if byte == UInt8(ascii: "\"") { break }
                guard byte == UInt8(ascii: "\\") else {
                    value.append(byte)
                    continue
                }
                switch next {
                case UInt8(ascii: "\\"): value.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "\""): value.append(UInt8(ascii: "\""))
                case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                default: throw error("bad escape in label value")
                }
                index += 1
            }
            guard labels.updateValue(String(decoding: value, as: UTF8.self), forKey: name) == nil else {
                throw error("duplicate label \(name)")
            }
            if next == UInt8(ascii: "}") {
                index += 1
                return labels
            }
            try expect(",")
        }
    }

    /// The rest of the line must be exactly one value: no timestamp, no trailing text.
    mutating func readValue() throws(Exposition.ParseError) -> Double {
        let text = readRest()
        guard let value = Self.parseValue(text) else { throw error("bad value \(String(reflecting: text))") }
        return value
    }

    /// `+Inf`, `-Inf`, `NaN`, or a decimal float `[+-]?(d+(.d*)?|.d+)([eE][+-]?d+)?`.
    static func parseValue(_ text: String) -> Double? {
        switch text {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: break
        }
        var bytes = text.utf8[...]
        func skipSign() {
            if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
                bytes.removeFirst()
            }
        }
        func digitCount() -> Int {
            let count = bytes.prefix(while: isDigit).count
            bytes.removeFirst(count)
            return count
        }
        skipSign()
        var mantissaDigits = digitCount()
        if bytes.first == UInt8(ascii: ".") {
            bytes.removeFirst()
            mantissaDigits += digitCount()
        }
        guard mantissaDigits > 0 else { return nil }
        if let first = bytes.first, first == UInt8(ascii: "e") || first == UInt8(ascii: "E") {
            bytes.removeFirst()
            skipSign()
            guard digitCount() > 0 else { return nil }
        }
        return bytes.isEmpty ? Double(text) : nil
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
