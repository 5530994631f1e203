import CCurl
import CCurlShim

/// A thin typed view of a `CURL*`. Used only on its shard's thread.
struct EasyHandle {
    let raw: UnsafeMutableRawPointer

    // curl encodes the argument kind in the option number (CURLOPTTYPE_*).
    private static let longKind: UInt32 = 0
    private static let pointerKind: UInt32 = 10_000
    private static let functionKind: UInt32 = 20_000
    private static let offsetKind: UInt32 = 30_000

    private static func kind(of option: CURLoption) -> UInt32 {
        option.rawValue / 10_000 * 10_000
    }

    @discardableResult
    func set(_ option: CURLoption, _ value: Int) -> Bool {
        assert(Self.kind(of: option) == Self.longKind, "\(option) does not take a long")
        return self.check(gw_easy_setopt_long(self.raw, option, value))
    }

    @discardableResult
    func set(_ option: CURLoption, offset value: Int64) -> Bool {
        assert(Self.kind(of: option) == Self.offsetKind, "\(option) does not take a curl_off_t")
        return self.check(gw_easy_setopt_off(self.raw, option, curl_off_t(value)))
    }

    /// String options are copied by curl (CURLOPT_POSTFIELDS is the exception; never used here).
    @discardableResult
    func set(_ option: CURLoption, _ value: String) -> Bool {
        assert(Self.kind(of: option) == Self.pointerKind, "\(option) does not take a string")
        // `withCString` lends a native string's own bytes; passing the String itself made
        // Swift copy it into a new array first.
        return value.withCString { self.check(gw_easy_setopt_str(self.raw, option, $0)) }
    }

    /// Pointer options are *not* copied: the pointee must outlive the transfer.
    @discardableResult
    func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) -> Bool {
        assert(Self.kind(of: option) == Self.pointerKind, "\(option) does not take a pointer")
        return self.check(gw_easy_setopt_ptr(self.raw, option, value))
    }

    @discardableResult
    func set(_ option: CURLoption, list: UnsafeMutablePointer<curl_slist>?) -> Bool {
        assert(Self.kind(of: option) == Self.pointerKind, "\(option) does not take a list")
        return self.check(gw_easy_setopt_slist(self.raw, option, list))
    }

    @discardableResult
    func set(_ option: CURLoption, writeCallback: curl_write_callback) -> Bool {
        assert(Self.kind(of: option) == Self.functionKind)
        return self.check(gw_easy_setopt_write_callback(self.raw, option, writeCallback))
    }

    @discardableResult
    func setReadCallback(_ callback: curl_read_callback) -> Bool {
        return self.check(gw_easy_setopt_read_callback(self.raw, callback))
    }

    func info(long info: CURLINFO) -> Int {
        var value = 0
        _ = gw_easy_getinfo_long(self.raw, info, &value)
        return value
    }

    func info(offset info: CURLINFO) -> Int64 {
        var value: curl_off_t = 0
        _ = gw_easy_getinfo_off(self.raw, info, &value)
        return Int64(value)
    }

    /// `false` when curl refused the option; callers fail the transfer rather than run it
    /// half-configured.
    private func check(_ code: CURLcode) -> Bool {
        code == CURLE_OK
    }
}
