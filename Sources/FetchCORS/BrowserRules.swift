/// Where Chromium and the Fetch standard part ways. `probe` decides with ``chromium`` (SPEC §13
/// wants agreement with headless Chromium) and reports where ``fetchStandard`` decides otherwise.
public struct BrowserRules: Sendable, Hashable {
    /// Chromium also safelists a few script-settable client-hint headers (`DPR`, `Width`,
    /// `Save-Data`…) and `Intervention`, with its own value rules; the standard does not.
    public var safelistsClientHints: Bool
    /// The standard never lets `Access-Control-Allow-Headers: *` cover `Authorization`
    /// (#cors-non-wildcard-request-header-name); Chromium still does (as of Chromium 156 the
    /// stricter rule sits behind a disabled feature flag).
    public var wildcardCoversAuthorization: Bool

    public static let chromium = BrowserRules(safelistsClientHints: true, wildcardCoversAuthorization: true)
    public static let fetchStandard = BrowserRules(safelistsClientHints: false, wildcardCoversAuthorization: false)

    public init(safelistsClientHints: Bool, wildcardCoversAuthorization: Bool) {
        self.safelistsClientHints = safelistsClientHints
        self.wildcardCoversAuthorization = wildcardCoversAuthorization
    }
}
