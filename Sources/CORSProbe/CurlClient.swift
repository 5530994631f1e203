import CCurl
import CCurlShim
import FetchCORS
import Foundation

/// One request over a blocking libcurl easy handle: no redirects followed (the caller decides,
/// as a browser does), no body sent, the response body discarded. A CLI's worth of HTTP.
enum CurlClient {
    private static let globalInit: CURLcode = gw_global_init()

    static func send(_ request: WireRequest, caFile: String?, timeoutSeconds: Int) throws(ProbeError) -> ResponseHead {
        guard self.globalInit == CURLE_OK, let handle = curl_easy_init() else {
            throw .unreachable("libcurl could not be initialised")
        }
        defer { curl_easy_cleanup(handle) }
        let collector = HeadCollector()
        let user = Unmanaged.passUnretained(collector).toOpaque()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var list: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(list) }
        for header in request.headers {
            list = curl_slist_append(list, "\(header.name): \(header.value)")
        }
        list = curl_slist_append(list, "Expect:")  // no 100-continue round trip
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { buffer in
            var ok = gw_easy_setopt_str(handle, CURLOPT_URL, request.url.description) == CURLE_OK
            ok = ok && gw_easy_setopt_ptr(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress) == CURLE_OK
            ok = ok && gw_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1) == CURLE_OK
            ok = ok && gw_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0) == CURLE_OK
            ok = ok && gw_easy_setopt_str(handle, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK
            ok = ok && gw_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, timeoutSeconds) == CURLE_OK
            ok = ok && gw_easy_setopt_long(handle, CURLOPT_TIMEOUT, timeoutSeconds) == CURLE_OK
            ok = ok && gw_easy_setopt_str(handle, CURLOPT_USERAGENT, "cors-gateway-probe") == CURLE_OK
            ok = ok && gw_easy_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION, HeadCollector.headerCallback) == CURLE_OK
            ok = ok && gw_easy_setopt_ptr(handle, CURLOPT_HEADERDATA, user) == CURLE_OK
            ok = ok && gw_easy_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION, HeadCollector.discardCallback) == CURLE_OK
            ok = ok && gw_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list) == CURLE_OK
            if let caFile { ok = ok && gw_easy_setopt_str(handle, CURLOPT_CAINFO, caFile) == CURLE_OK }
            switch request.method {
            case "GET": ok = ok && gw_easy_setopt_long(handle, CURLOPT_HTTPGET, 1) == CURLE_OK
            case "HEAD": ok = ok && gw_easy_setopt_long(handle, CURLOPT_NOBODY, 1) == CURLE_OK
            default: ok = ok && gw_easy_setopt_str(handle, CURLOPT_CUSTOMREQUEST, request.method) == CURLE_OK
            }
            guard ok else { return CURLE_FAILED_INIT }
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let summary = String(cString: curl_easy_strerror(code))
            throw .unreachable(
                "\(request.method) \(request.url): \(detail.isEmpty ? summary : detail)" + (Self.isTLS(code) ? " (TLS; --cacert FILE trusts another CA)" : ""))
        }
        guard let head = collector.head else { throw .unreachable("\(request.method) \(request.url): no HTTP response") }
        return head
    }

    private static func isTLS(_ code: CURLcode) -> Bool {
        [CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM].contains(code)
    }
}

/// Collects the last response head curl reports (a 1xx head is replaced by the final one).
private final class HeadCollector {
    var status: Int? = nil
    var fields: [HeaderField] = []

    var head: ResponseHead? { self.status.map { ResponseHead(status: $0, fields: self.fields) } }

    func take(line: String) {
        if line.hasPrefix("HTTP/") {
            let parts = line.split(separator: " ", maxSplits: 2)
            self.status = parts.count >= 2 ? Int(parts[1]) : nil
            self.fields = []
        } else if let colon = line.firstIndex(of: ":") {
            let name = String(line[..<colon])
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            self.fields.append(HeaderField(name, value))
        }
    }

    static let headerCallback: curl_write_callback = { data, size, count, user in
        let length = size * count
        guard let data, let user else { return length }
        let collector = Unmanaged<HeadCollector>.fromOpaque(user).takeUnretainedValue()
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        // Header bytes need not be UTF-8; keep them as Latin-1 would show them.
        var line = String(bytes.map { Character(Unicode.Scalar($0)) })
        while let last = line.last, last.isNewline { line.removeLast() }
        collector.take(line: line)
        return length
    }

    static let discardCallback: curl_write_callback = { _, size, count, _ in size * count }
}
