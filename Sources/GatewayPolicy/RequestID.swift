import Synchronization

/// The `X-Request-Id` every exchange carries (SPEC §5): the client's when it is 1–128
/// characters of `[A-Za-z0-9._:-]`, otherwise a new random one.
public enum RequestID {
    public static let headerName = "X-Request-Id"

    public static func resolve(clientValue: String?) -> String {
        if let clientValue, isAcceptable(clientValue) { return clientValue }
        return generate()
    }

    public static func isAcceptable(_ value: String) -> Bool {
        let bytes = value.utf8
        guard (1...128).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: ":"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    /// 32 lowercase hex digits, unique within the process and unpredictable across processes.
    ///
    /// A request must not pay for `getrandom(2)` (two syscalls and four strings, measured at
    /// about 8% of a preflight answered at the edge), so ids come from a process-wide counter
    /// passed through the splitmix64 finalizer under two random keys drawn once at start: the
    /// finalizer is a bijection, so two requests never share an id.
    public static func generate() -> String {
        let sequence = counter.add(1, ordering: .relaxed).newValue
        let high = mix(sequence ^ keys.high)
        let low = mix(sequence &+ keys.low)
        return String(unsafeUninitializedCapacity: 32) { buffer in
            writeHex(high, into: buffer, at: 0)
            writeHex(low, into: buffer, at: 16)
            return 32
        }
    }

    private static let counter = Atomic<UInt64>(0)
    private static let keys: (high: UInt64, low: UInt64) = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }()

    /// splitmix64's output function: a bijection on UInt64 that scatters every input bit.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static func writeHex(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        let digits: StaticString = "0123456789abcdef"
        digits.withUTF8Buffer { digits in
            for index in 0..<16 {
                buffer[offset + index] = digits[Int((value >> (60 - 4 * UInt64(index))) & 0xF)]
            }
        }
    }
}
