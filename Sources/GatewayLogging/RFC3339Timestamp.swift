#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Array where Element == UInt8 {
    /// Appends `time` as RFC 3339 UTC with milliseconds, e.g. `2026-11-30T02:10:00.123Z`.
    ///
    /// Built from `gmtime_r` digits because Foundation's date formatting costs microseconds per call,
    /// which a busy event loop pays on every line. Milliseconds are truncated, never rounded up into
    /// the next second.
    mutating func append(rfc3339 time: timespec) {
        var seconds = time.tv_sec
        var fields = tm()
        _ = gmtime_r(&seconds, &fields)  // fails only past year 2^31; the fields then stay zero
        append(decimal: Int(fields.tm_year) + 1900, width: 4)
        append(UInt8(ascii: "-"))
        append(decimal: Int(fields.tm_mon) + 1, width: 2)
        append(UInt8(ascii: "-"))
        append(decimal: Int(fields.tm_mday), width: 2)
        append(UInt8(ascii: "T"))
        append(decimal: Int(fields.tm_hour), width: 2)
        append(UInt8(ascii: ":"))
        append(decimal: Int(fields.tm_min), width: 2)
        append(UInt8(ascii: ":"))
        append(decimal: Int(fields.tm_sec), width: 2)
        append(UInt8(ascii: "."))
        append(decimal: Int(time.tv_nsec) / 1_000_000, width: 3)
        append(UInt8(ascii: "Z"))
    }
}

/// The wall clock `StructuredLogHandler` stamps lines with unless a test supplies its own.
@usableFromInline
func realtimeNow() -> timespec {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return now
}
