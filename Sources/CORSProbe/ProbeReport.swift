import FetchCORS

/// Everything `probe` found, in the shape `--json` prints (see Docs/probe.md).
public struct ProbeReport: Sendable, Codable {
    /// "allowed" or "blocked" (what Chromium decides).
    public var verdict: String
    public var url: String
    public var origin: String
    public var method: String
    public var credentials: Bool
    public var preflight: PreflightPart
    /// nil when the browser would not send the actual request (a failed preflight).
    public var actual: ActualPart?
    public var blocked: BlockedPart?
    /// What a browser following the Fetch standard to the letter decides, when that differs.
    public var fetchStandardVerdict: String?
    public var hazards: [Hazard]
    public var curl: CurlPart

    public var isAllowed: Bool { self.verdict == "allowed" }
    /// 0 allowed, 1 blocked.
    public var exitCode: Int32 { self.isAllowed ? 0 : 1 }

    public struct PreflightPart: Sendable, Codable {
        public var needed: Bool
        /// Why one is needed (nil when it is not).
        public var reason: String?
        /// What `Access-Control-Request-Headers` listed.
        public var requestHeaders: [String]
        /// The answer to the preflight, when one was sent.
        public var status: Int?
        public var responseHeaders: [HeaderField]?
        /// Seconds each browser reuses the answer for, when it passed.
        public var cacheSeconds: [String: Int]?
    }

    public struct ActualPart: Sendable, Codable {
        /// The final answer (after redirects).
        public var status: Int
        public var finalURL: String
        /// Each URL that answered with a redirect, in order.
        public var redirects: [String]
        public var responseHeaders: [HeaderField]
        /// Lowercased header names `response.headers.get` can read (when not blocked).
        public var readableHeaders: [String]
        /// Listed in Access-Control-Expose-Headers but absent or never exposable.
        public var exposedButAbsent: [String]
    }

    public struct BlockedPart: Sendable, Codable {
        /// "preflight" or "actual".
        public var stage: String
        /// A stable name of the reason (e.g. "missing-allow-origin").
        public var reason: String
        /// The sentence Chromium's console prints.
        public var consoleMessage: String
        /// For "header-not-allowed": every requested header the allow list leaves out. When
        /// there are several, Chromium names one of them in an order of its own.
        public var disallowedHeaders: [String]?
    }

    public struct CurlPart: Sendable, Codable {
        /// nil when no preflight is needed.
        public var preflight: String?
        public var actual: String
    }
}
