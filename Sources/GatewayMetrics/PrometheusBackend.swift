import Prometheus

/// An instance's own registry and the swift-metrics factory over it that creates every handle.
/// A registry per instance (not `PrometheusMetricsFactory.defaultRegistry`) keeps tests and
/// gateways in one process apart.
struct PrometheusBackend: Sendable {
    let factory: PrometheusMetricsFactory

    init() {
        var factory = PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())
        // The factory maps a swift-metrics Timer to a Prometheus histogram in seconds; buckets are
        // chosen per Timer label, so other libraries' timers keep the factory's defaults.
        factory.durationHistogramBuckets[MetricFamily.upstreamDuration.rawValue] =
            MetricFamily.upstreamDurationBuckets
        self.factory = factory
    }

    /// The registry's text exposition (format 0.0.4), with HELP lines added.
    func exposition() -> String {
        addingHelpLines(to: factory.registry.emitToString())
    }
}
