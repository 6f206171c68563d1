import Metrics
import Prometheus

/// The process's Prometheus registry, bootstrapped into swift-metrics exactly once: swift-metrics
/// allows one global factory per process, and tests build many applications in one process.
public enum ClinicMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
