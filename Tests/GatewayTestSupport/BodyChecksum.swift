/// An incremental 64-bit FNV-1a checksum of a byte stream.
///
/// Chosen over SHA-256 because it needs no dependency and can be fed chunk by chunk, so the
/// backend and a test can checksum a 64 MiB body without ever holding it. It detects lost,
/// duplicated or reordered bytes, which is all a proxy test needs; it is not cryptographic.
public struct BodyChecksum: Sendable, Equatable {
    private var state: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var state = self.state
        for byte in bytes {
            state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        self.state = state
    }

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { self.update(UnsafeRawBufferPointer($0)) }
        if handled == nil {
            Array(bytes).withUnsafeBytes { self.update($0) }
        }
    }

    /// Sixteen lowercase hex digits; the form used in echo reports and recorded requests.
    public var hex: String {
        let digits = String(self.state, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
