import CCurl

extension EasyHandle {
    /// Sets every option `transfer` needs. nil on success; otherwise why the transfer cannot
    /// run (it must never run half-configured).
    func configure(for transfer: CurlTransfer, idleConnectionMaxAgeSeconds: Int) -> UpstreamFailure? {
        let request = transfer.request
        let user = Unmanaged.passUnretained(transfer).toOpaque()
        var ok = self.set(CURLOPT_URL, request.url)
        ok = self.set(CURLOPT_PRIVATE, pointer: user) && ok
        ok = self.set(CURLOPT_HEADERFUNCTION, writeCallback: CurlCallbacks.header) && ok
        ok = self.set(CURLOPT_HEADERDATA, pointer: user) && ok
        ok = self.set(CURLOPT_WRITEFUNCTION, writeCallback: CurlCallbacks.write) && ok
        ok = self.set(CURLOPT_WRITEDATA, pointer: user) && ok
        ok = self.setReadCallback(CurlCallbacks.read) && ok
        ok = self.set(CURLOPT_READDATA, pointer: user) && ok
        ok = self.set(CURLOPT_NOSIGNAL, 1) && ok  // NIO already ignores SIGPIPE
        ok = self.set(CURLOPT_FOLLOWLOCATION, 0) && ok
        ok = self.set(CURLOPT_HTTP_CONTENT_DECODING, 0) && ok  // bodies pass byte for byte
        // Chunked bodies come raw and `ChunkedBodyDecoder` decodes them: curl does not tell when
        // a chunked body ended while an upload keeps the transfer open (SPEC §11).
        ok = self.set(CURLOPT_HTTP_TRANSFER_DECODING, 0) && ok
        ok = self.set(CURLOPT_PATH_AS_IS, 1) && ok  // the route decided the path; curl must not squash it
        ok = self.set(CURLOPT_PROTOCOLS_STR, "http,https") && ok
        ok = self.set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1) && ok
        ok = self.set(CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMs) && ok
        ok = self.set(CURLOPT_TCP_KEEPALIVE, 1) && ok
        // An empty proxy disables proxies, the environment's (http_proxy, ALL_PROXY…) included:
        // backend traffic goes where the route says, never through a proxy the process inherited.
        ok = self.set(CURLOPT_PROXY, "") && ok
        // Cancelling (or timing out) a transfer still resolving its host must not join the
        // resolver thread on the shard's thread: that stalled every other transfer of the shard.
        ok = self.set(CURLOPT_QUICK_EXIT, 1) && ok
        // Shorter than common backend keep-alive timeouts: a streamed body cannot be replayed
        // on a pooled connection the backend already closed.
        ok = self.set(CURLOPT_MAXAGE_CONN, idleConnectionMaxAgeSeconds) && ok
        if let caFile = request.caFile {
            ok = self.set(CURLOPT_CAINFO, caFile) && ok
        }
        switch request.body {
        case _ where request.method == "HEAD":
            // Whatever framing the client's request had: a HEAD answer has no body, and a
            // HEAD sent as an upload made curl wait for one.
            ok = self.set(CURLOPT_NOBODY, 1) && ok
        case .none where request.method == "GET":
            ok = self.set(CURLOPT_HTTPGET, 1) && ok
        case .none:
            ok = self.set(CURLOPT_CUSTOMREQUEST, request.method) && ok
        case .known(let length):
            ok = self.set(CURLOPT_UPLOAD, 1) && ok
            ok = self.set(CURLOPT_CUSTOMREQUEST, request.method) && ok
            ok = self.set(CURLOPT_INFILESIZE_LARGE, offset: Int64(length)) && ok
        case .chunked:
            ok = self.set(CURLOPT_UPLOAD, 1) && ok  // unknown size: curl sends it chunked
            ok = self.set(CURLOPT_CUSTOMREQUEST, request.method) && ok
        }
        guard ok else { return .unavailable("libcurl refused the request options") }
        let list = Self.headerList(for: request)
        transfer.curlHeaderList = list
        guard self.set(CURLOPT_HTTPHEADER, list: list) else { return .unavailable("libcurl refused the request headers") }
        return nil
    }

    /// The request's header lines plus `Expect:` and, unless the client sent one, `Accept:`:
    /// no 100-continue round trip, no default "Accept: */*".
    private static func headerList(for request: UpstreamRequest) -> UnsafeMutablePointer<curl_slist> {
        let sentAccept = request.headers.contains { $0.name.utf8.count == 6 && $0.name.lowercased() == "accept" }
        return HeaderLineBlock.make(headers: request.headers, then: sentAccept ? ["Expect:"] : ["Expect:", "Accept:"])
    }
}
