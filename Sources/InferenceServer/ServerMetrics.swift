import BatchProcessing
import Metrics
public import Prometheus

/// The server's Prometheus instruments, and the swift-metrics bridge that puts the processors' own
/// instruments in the same registry.
///
/// HTTP figures are made on ``registry`` directly, so they work whatever swift-metrics backend the
/// process bootstrapped (tests bootstrap their own); the processors' instruments reach the registry
/// only when ``makeMetricsFactory(registry:replicaID:)`` is bootstrapped, as `batchkit serve` does.
public struct ServerMetrics: Sendable {
    /// The registry `GET /metrics` renders.
    public let registry: PrometheusCollectorRegistry
    /// The `replica` label value, when set.
    let replicaID: String?
    /// Requests being handled right now (`batchkit_http_requests_in_flight`).
    let inFlight: Prometheus.Gauge

    /// Buckets for request latency: 250 µs to 10 s, dense where batched inference answers (1–50 ms).
    static let latencyBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// Buckets for rows per batch: powers of two up to 4096.
    static let batchSizeBuckets: [Double] = (0...12).map { Double(1 << $0) }

    /// Instruments on `registry`, each labelled `replica=replicaID` when it is set.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), replicaID: String? = nil) {
        self.registry = registry
        self.replicaID = replicaID
        inFlight = registry.makeGauge(
            descriptor: Self.name("http", "requests_in_flight", "", "HTTP requests being handled"),
            labels: Self.replicaLabels(replicaID))
    }

    /// `batchkit_<subsystem>_<name>_<unit>`, with its help text.
    static func name(_ subsystem: String?, _ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "batchkit", subsystem: subsystem, metricName: name, unitName: unit, helpText: help)
    }

    static func replicaLabels(_ replicaID: String?) -> [(String, String)] {
        replicaID.map { [("replica", $0)] } ?? []
    }

    /// Counts one answered request and records its latency.
    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let replica = Self.replicaLabels(replicaID)
        registry.makeCounter(
            descriptor: Self.name("http", "requests", "total", "HTTP requests answered, by route, method and status"),
            labels: [("route", route), ("method", method), ("status", String(status))] + replica
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Self.name(
                "http", "request_duration", "seconds", "HTTP request latency from headers received to response ready"),
            labels: [("route", route)] + replica, buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// Sets the per-model gauges from the processors' live state; called before each scrape.
    func recordModels(_ models: [ServedModel]) {
        let replica = Self.replicaLabels(replicaID)
        for served in models {
            let stats = served.processor.stats()
            let labels = [("model", served.name)] + replica
            registry.makeGauge(
                descriptor: Self.name(nil, "queue_depth", "", "Items queued in the model's batch processor"),
                labels: labels
            ).set(Double(stats.queueSize))
            registry.makeGauge(
                descriptor: Self.name(nil, "active_batches", "", "Batches being computed for the model"),
                labels: labels
            ).set(Double(stats.activeBatches))
        }
    }

    /// The Prometheus text exposition of everything in the registry.
    func exposition(models: [ServedModel]) -> [UInt8] {
        recordModels(models)
        return registry.emitToBuffer()
    }

    // MARK: The swift-metrics bridge

    private static let modelMarker = "model="

    /// The processor `metricsLabel` for `model`: the name rides in the instrument's label until the
    /// factory's sanitizer turns it into a `model` label, since the processor has no dimensions of its own.
    static func processorLabel(model: String) -> String {
        "\(modelMarker)\(model)|batch_processor"
    }

    /// A swift-metrics factory writing into `registry`: processor instruments get a `model` label (and
    /// `replica`), timers get the `_seconds` suffix Prometheus expects, and the batch-size recorder
    /// gets power-of-two buckets. Bootstrap it once per process (`MetricsSystem.bootstrap`).
    public static func makeMetricsFactory(registry: PrometheusCollectorRegistry, replicaID: String?)
        -> PrometheusMetricsFactory
    {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = latencyBuckets
        factory.valueHistogramBuckets["batch_processor_batch_size"] = batchSizeBuckets
        let replica = replicaLabels(replicaID)
        factory.nameAndLabelSanitizer = { name, labels in
            var name = name
            var labels = labels
            if name.hasPrefix(modelMarker), let bar = name.firstIndex(of: "|") {
                let model = String(name[name.index(name.startIndex, offsetBy: modelMarker.count)..<bar])
                name = String(name[name.index(after: bar)...])
                labels.insert(("model", model), at: 0)
            }
            // swift-metrics timers record durations; Prometheus wants the unit in the name.
            for suffix in ["_queue_time", "_batch_service_time", "_item_latency"] where name.hasSuffix(suffix) {
                name += "_seconds"
            }
            return (name, labels + replica)
        }
        return factory
    }

    /// Bootstraps swift-metrics with ``makeMetricsFactory(registry:replicaID:)`` on this server's
    /// registry, so the processors' instruments appear in `GET /metrics`. Once per process.
    public func bootstrapMetricsSystem() {
        MetricsSystem.bootstrap(Self.makeMetricsFactory(registry: registry, replicaID: replicaID))
    }
}
