import CPSL

/// The Public Suffix List through libpsl: the newest of libpsl's built-in list and the
/// system's (Debian `publicsuffix`), loaded once.
enum PublicSuffix {
    private struct Context: @unchecked Sendable {
        // A loaded psl_ctx_t is read-only, and libpsl's lookups are thread-safe.
        let pointer: OpaquePointer
    }

    private static let context: Context? = {
        if let latest = psl_latest(nil) { return Context(pointer: latest) }
        return psl_builtin().map { Context(pointer: $0) }
    }()

    /// Whether `domain` (lowercase) is a public suffix: an ICANN or private entry of the list
    /// (`com`, `co.uk`, `github.io`). Names the list does not know (`localhost`, `internal`) are
    /// not: libpsl's implicit `*` rule is left out (PSL_TYPE_NO_STAR_RULE), so wildcards over
    /// development and intranet names stay possible.
    static func isPublicSuffix(_ domain: String) -> Bool {
        guard let context else { return false }
        return psl_is_public_suffix2(context.pointer, domain, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0
    }
}
