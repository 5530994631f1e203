import GatewayLogging
import GatewayMetrics
import Logging
import NIOCore

/// Where finished requests go: one access-log line each (SPEC §8), and the request metrics.
public final class RequestTelemetry: Sendable {
    public let metrics: GatewayMetrics
    /// nil when access logging is off.
    private let accessLog: LineLogger?
    /// Backend faults, one warning line each, whether or not the access log is on.
    private let faults: Logger

    public init(metrics: GatewayMetrics, accessLog: LineLogger?, faults: Logger = Logger(label: "cors-gateway.upstream")) {
        self.metrics = metrics
        self.accessLog = accessLog
        self.faults = faults
    }

    /// A backend failed an exchange: `code` is the SPEC §7 error (or `aborted` when the response
    /// was already under way), `detail` what libcurl said.
    func upstreamFault(code: String, detail: String, route: String, backend: String, requestId: String) {
        self.faults.warning("upstream fault", metadata: [
            "error": "\(code)", "detail": "\(detail)", "route": "\(route)", "backend": "\(backend)", "request_id": "\(requestId)",
        ])
    }

    func record(_ record: RequestRecord) {
        let now = NIODeadline.now()
        if let counters = self.preflightCounters(route: record.route, status: record.status, cors: record.cors) {
            counters.increment()  // the series the fast lane counts its preflights in
        } else {
            self.metrics.recordRequest(route: record.route, method: record.method, status: record.status)
        }
        var upstream: TimeAmount?
        if let started = record.upstreamStarted {
            upstream = (record.upstreamEnded ?? now) - started
            self.metrics.recordUpstreamDuration(route: record.route, seconds: Self.seconds(upstream!))
        }
        self.writeAccessLine(record, now: now, upstream: upstream)
    }

    /// Records a preflight answered at the edge with the counters `preflightCounters(for:)`
    /// found for an earlier record that differs from it only in time and request id. `record`
    /// is built only when there is an access log to write it to.
    func record(_ record: () -> RequestRecord, counters: GatewayMetrics.PreflightCounters) {
        counters.increment()
        guard self.accessLog != nil else { return }
        self.writeAccessLine(record(), now: .now(), upstream: nil)
    }

    /// The series `record(_:)` counts a preflight answered at the edge with `status` in; nil
    /// when `cors` is not a preflight's outcome.
    func preflightCounters(route: String, status: Int, cors: CORSOutcome) -> GatewayMetrics.PreflightCounters? {
        guard case .preflight(let rejection, let enforced) = cors else { return nil }
        return self.metrics.preflightCounters(route: route, status: status, reason: rejection?.rawValue, mode: Self.mode(enforced))
    }

    private func writeAccessLine(_ record: RequestRecord, now: NIODeadline, upstream: TimeAmount?) {
        // Fields are written only when there is a log to write them to: with the access log off
        // they cost about 2% of a preflight. Keys in ascending order (LineFields requires it).
        guard let accessLog else { return }
        let total = now - record.started
        accessLog.log(.info, "request") { fields in
            fields.add("bytes_in", record.requestBodyBytes)
            fields.add("bytes_out", record.responseBodyBytes)
            fields.add("completed", record.completed)
            switch record.cors {
            case .none:
                fields.add("cors", "none")
            case .preflight(let rejection, let enforced):
                fields.add("cors", rejection == nil ? "preflight-allowed" : "preflight-rejected")
                fields.add("cors_mode", Self.mode(enforced).rawValue)
                if let rejection { fields.add("cors_reason", rejection.rawValue) }
            case .actual(let origin, let enforced):
                fields.add("cors", Self.originOutcome(origin))
                fields.add("cors_mode", Self.mode(enforced).rawValue)
            }
            fields.add("method", record.method)
            fields.add("path", record.path)
            fields.add("protocol", record.protocolName)
            fields.add("request_id", record.requestId)
            fields.add("route", record.route)
            fields.add("status", record.status)
            fields.add("total_ms", Self.milliseconds(total))
            if let upstream { fields.add("upstream_ms", Self.milliseconds(upstream)) }
        }
    }

    private static func originOutcome(_ origin: CORSOutcome.Origin) -> String {
        switch origin {
        case .allowed: "origin-allowed"
        case .disallowed: "origin-disallowed"
        case .absent: "origin-absent"
        }
    }

    func headersStripped(_ count: Int, backend: String) {
        self.metrics.recordHeadersStripped(backend: backend, count: count)
    }

    func cookies(rewritten: Int, dropped: Int, route: String) {
        self.metrics.recordCookies(route: route, rewritten: rewritten, dropped: dropped)
    }

    private static func mode(_ enforced: Bool) -> CORSDecisionMode {
        enforced ? .enforce : .reportOnly
    }

    private static func seconds(_ amount: TimeAmount) -> Double {
        Double(amount.nanoseconds) / 1e9
    }

    /// Milliseconds to the microsecond: enough for an access log, short to read.
    private static func milliseconds(_ amount: TimeAmount) -> Double {
        (Double(amount.nanoseconds) / 1e3).rounded() / 1e3
    }
}
