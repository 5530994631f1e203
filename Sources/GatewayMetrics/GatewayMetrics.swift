import CoreMetrics
import Synchronization
import VisibleLock

/// The SPEC §8 metric families of one gateway instance, as swift-metrics handles over a
/// Prometheus registry that the instance owns: tests and several gateways in one process never
/// share series, and nothing depends on `MetricsSystem.bootstrap`, which runs once per process.
///
/// The record methods run on the hot path of every request. A call costs one lock of the
/// family's `Mutex` plus one dictionary lookup to find the cached handle, then one relaxed atomic add
/// (counters) or the histogram's own lock and a scan of its 14 buckets (upstream duration);
/// nothing is allocated once the series exists. Reload counters and gauges exist from the start
/// and need no lookup.
public final class GatewayMetrics: Sendable {
    /// The `Content-Type` of ``exposition(openConnections:transfersInFlight:logLinesDropped:)``.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let backend: PrometheusBackend
    private let requests: HandleCache<RequestSeries, Counter>
    private let preflights: HandleCache<PreflightSeries, Counter>
    private let corsRejections: HandleCache<RejectionSeries, Counter>
    private let upstreamDuration: HandleCache<String, Timer>
    private let reloads: [ReloadResultLabel: Counter]
    private let configGeneration: Gauge
    private let headersStripped: HandleCache<String, Counter>
    private let cookiesRewritten: HandleCache<String, Counter>
    private let cookiesDropped: HandleCache<String, Counter>
    private let openConnections: Gauge
    private let transfersInFlight: Gauge
    private let logLinesDropped: Counter
    private let connections: HandleCache<ConnectionSeries, Counter>
    private let tlsHandshakeFailures: HandleCache<String, Counter>
    private let certificateExpiry: HandleCache<ListenerSeries, Gauge>
    private let certificateReloads: HandleCache<ListenerSeries, Counter>
    /// Makes setting the sampled values and emitting one step, so concurrent scrapes each report
    /// the values they were given; holds the dropped-line total the counter last reached.
    private let scrape = Mutex(0)

    public init() {
        let backend = PrometheusBackend()
        let factory = backend.factory
        self.backend = backend
        requests = HandleCache { series in
            Counter(label: MetricFamily.requests.rawValue, dimensions: series.dimensions, factory: factory)
        }
        preflights = HandleCache { series in
            Counter(label: MetricFamily.preflights.rawValue, dimensions: series.dimensions, factory: factory)
        }
        corsRejections = HandleCache { series in
            Counter(label: MetricFamily.corsRejections.rawValue, dimensions: series.dimensions, factory: factory)
        }
        upstreamDuration = HandleCache { route in
            Timer(label: MetricFamily.upstreamDuration.rawValue, dimensions: [("route", route)], factory: factory)
        }
        headersStripped = HandleCache { backend in
            Counter(label: MetricFamily.headersStripped.rawValue, dimensions: [("backend", backend)], factory: factory)
        }
        cookiesRewritten = HandleCache { route in
            Counter(label: MetricFamily.cookiesRewritten.rawValue, dimensions: [("route", route)], factory: factory)
        }
        cookiesDropped = HandleCache { route in
            Counter(label: MetricFamily.cookiesDropped.rawValue, dimensions: [("route", route)], factory: factory)
        }
        // Registering a handle is what makes a series appear, so these exist from the first scrape.
        reloads = Dictionary(
            uniqueKeysWithValues: ReloadResultLabel.allCases.map { result in
                let counter = Counter(
                    label: MetricFamily.reloads.rawValue, dimensions: [("result", result.rawValue)], factory: factory)
                return (result, counter)
            })
        configGeneration = Gauge(label: MetricFamily.configGeneration.rawValue, factory: factory)
        openConnections = Gauge(label: MetricFamily.openConnections.rawValue, factory: factory)
        transfersInFlight = Gauge(label: MetricFamily.transfersInFlight.rawValue, factory: factory)
        logLinesDropped = Counter(label: MetricFamily.logLinesDropped.rawValue, factory: factory)
        connections = HandleCache { series in
            Counter(label: MetricFamily.connections.rawValue, dimensions: series.dimensions, factory: factory)
        }
        tlsHandshakeFailures = HandleCache { listener in
            Counter(label: MetricFamily.tlsHandshakeFailures.rawValue, dimensions: [("listener", listener)], factory: factory)
        }
        certificateExpiry = HandleCache { series in
            Gauge(label: MetricFamily.certificateExpiry.rawValue, dimensions: series.dimensions, factory: factory)
        }
        certificateReloads = HandleCache { series in
            Counter(label: MetricFamily.certificateReloads.rawValue, dimensions: series.dimensions, factory: factory)
        }
    }

    /// A client connection was accepted (SPEC §12); `protocolName` is "http/1.1" or "h2",
    /// known once TLS has negotiated it.
    public func recordConnection(listener: String, protocolName: String, tls: Bool) {
        connections[ConnectionSeries(listener: listener, protocolName: protocolName, tls: tls)].increment()
    }

    public func recordTLSHandshakeFailure(listener: String) {
        tlsHandshakeFailures[listener].increment()
    }

    /// `notAfter` in seconds since 1970.
    public func setCertificateExpiry(listener: String, subject: String, notAfter: Int) {
        certificateExpiry[ListenerSeries(listener: listener, name: "subject", value: subject)].record(notAfter)
    }

    public func recordCertificateReload(listener: String, applied: Bool) {
        certificateReloads[ListenerSeries(listener: listener, name: "result", value: applied ? "applied" : "rejected")].increment()
    }

    /// `route` is "" for requests that matched no route; methods outside the standard ones count as `OTHER`.
    public func recordRequest(route: String, method: String, status: Int) {
        requests[RequestSeries(route: route, method: methodLabel(method), status: status)].increment()
    }

    public func recordPreflight(route: String, allowed: Bool, mode: CORSDecisionMode) {
        preflights[PreflightSeries(route: route, allowed: allowed, mode: mode)].increment()
    }

    /// `reason` is one of the fixed values origin, method, headers, private-network.
    public func recordCORSRejection(route: String, reason: String, mode: CORSDecisionMode) {
        corsRejections[RejectionSeries(route: route, reason: reason, mode: mode)].increment()
    }

    /// The series a preflight answered with `status` moves, found once: the preflight fast
    /// lane keeps them with a connection's last answer, and counting a repeat of it then costs
    /// the atomic adds alone instead of two or three locked look-ups that hash label values.
    /// `reason` is the rejection reason, nil when the preflight was allowed.
    public func preflightCounters(route: String, status: Int, reason: String?, mode: CORSDecisionMode) -> PreflightCounters {
        PreflightCounters(
            request: requests[RequestSeries(route: route, method: methodLabel("OPTIONS"), status: status)],
            preflight: preflights[PreflightSeries(route: route, allowed: reason == nil, mode: mode)],
            rejection: reason.map { corsRejections[RejectionSeries(route: route, reason: $0, mode: mode)] }
        )
    }

    /// What `recordRequest`, `recordPreflight` and `recordCORSRejection` count for one preflight.
    public struct PreflightCounters: Sendable {
        let request: Counter
        let preflight: Counter
        let rejection: Counter?

        public func increment() {
            self.request.increment()
            self.preflight.increment()
            self.rejection?.increment()
        }
    }

    /// Rounds to whole nanoseconds (swift-metrics' `recordSeconds` truncates `seconds * 1e9`, which
    /// records 1.001 s as 1.000999999 s), counts a negative duration as 0 and ignores NaN, which
    /// would trap in the conversion to integer nanoseconds.
    public func recordUpstreamDuration(route: String, seconds: Double) {
        guard !seconds.isNaN else { return }
        let nanoseconds = (max(seconds, 0) * 1e9).rounded()
        upstreamDuration[route].recordNanoseconds(nanoseconds < 0x1p63 ? Int64(nanoseconds) : .max)
    }

    public func recordReload(result: ReloadResultLabel) {
        reloads[result]!.increment()
    }

    public func setConfigGeneration(_ generation: Int) {
        configGeneration.record(generation)
    }

    /// A count of 0 (or less) records nothing, so a backend's series appears only once a header
    /// was stripped, and a negative count cannot reach the Prometheus counter's precondition.
    public func recordHeadersStripped(backend: String, count: Int) {
        guard count > 0 else { return }
        headersStripped[backend].increment(by: count)
    }

    /// Zero (or negative) counts record nothing, as in ``recordHeadersStripped(backend:count:)``.
    public func recordCookies(route: String, rewritten: Int, dropped: Int) {
        if rewritten > 0 {
            cookiesRewritten[route].increment(by: rewritten)
        }
        if dropped > 0 {
            cookiesDropped[route].increment(by: dropped)
        }
    }

    /// Prometheus text exposition format 0.0.4; the two gauges and the log writer's total of
    /// dropped lines (it keeps its own count) are sampled by the caller at scrape time.
    public func exposition(openConnections: Int, transfersInFlight: Int, logLinesDropped: Int = 0) -> String {
        scrape.withVisibleLock(at: lockAddress(of: self)) { counted in
            self.openConnections.record(openConnections)
            self.transfersInFlight.record(transfersInFlight)
            if logLinesDropped > counted {
                self.logLinesDropped.increment(by: logLinesDropped - counted)
                counted = logLinesDropped
            }
            return backend.exposition()
        }
    }
}
