import Prometheus

/// A fresh registry, so a test never shares series with another.
enum PrometheusRegistryProbe {
    static func make() -> PrometheusCollectorRegistry { PrometheusCollectorRegistry() }
}
