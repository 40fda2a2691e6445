extension BatchProcessorConfiguration {
    /// Batch sizes, how long a batch may wait to fill, and how sizes adapt.
    public struct Batching: Sendable, Equatable {
        /// The target batch size, in rows, when the processor starts, unless
        /// ``BatchProcessor/updateBatchSize(_:)`` set another while it was not running
        /// (seed: `initial_batch_size`).
        public var initialSize = 32
        /// The smallest target the batch size may be set to, by the adaptive controller or
        /// ``BatchProcessor/updateBatchSize(_:)`` (seed: `min_batch_size`).
        public var minSize = 1
        /// The most rows in one batch; larger items are split across batches (seed: `max_batch_size`).
        public var maxSize = 128
        /// The longest an item waits for its batch to fill, from its own arrival (seed: `batch_timeout`).
        ///
        /// Zero means never wait: a batch goes out with whatever is queued as soon as a worker is free.
        public var timeout: Duration = .milliseconds(100)
        /// The longest an item may take from arrival to result before it fails with `timedOut`
        /// (seed: `item_timeout`).
        public var itemTimeout: Duration = .seconds(30)
        /// The least time between the starts of two batches; zero for no limit (seed: `min_batch_interval`).
        public var minInterval: Duration = .zero
        /// How batch sizes and dispatch times are chosen (seed: `processing_strategy`, and
        /// `enable_adaptive_batching`: `false` there is ``BatchProcessingStrategy/fixed`` here).
        public var strategy: BatchProcessingStrategy = .adaptive
        /// A per-item latency objective (arrival to result) the adaptive controller sizes and sends
        /// batches for; `nil` for none.
        public var targetLatency: Duration?
        /// With ``targetLatency``, refuse items predicted to miss it with `overloaded` instead of
        /// queueing them.
        public var rejectPredictedLate = false

        /// The defaults.
        public init() {}
    }

    /// The queue of items waiting for a batch.
    public struct Queue: Sendable, Equatable {
        /// The most items queued (not yet dispatched); beyond it, submitting waits for room.
        ///
        /// The seed's `max_queue_size` ("maximum items in queue before blocking"): a producer without an
        /// enqueue timeout blocks (or suspends) until there is room, one with a timeout fails with
        /// `queueFull` when it passes, and one with a zero timeout fails at once.
        public var capacity = 1000
        /// Serve items by ``BatchPriority`` (then arrival); otherwise strictly in arrival order
        /// (seed: `enable_priority_queue`).
        public var prioritized = false
        /// With priorities, an item that has waited this long is served before fresher items of any
        /// priority, so low priorities never starve; `nil` turns aging off.
        public var agingLimit: Duration? = .seconds(1)

        /// The defaults.
        public init() {}
    }

    /// The threads that compute batches.
    public struct Workers: Sendable, Equatable {
        /// The number of worker threads, hence of batches computed at once (seed: `max_workers`).
        public var count = 4
        /// A batch running longer than this is declared stuck: its items fail with `timedOut` and its
        /// worker is replaced so serving continues; `nil` uses ``Batching/itemTimeout``.
        public var watchdogLimit: Duration?

        /// The defaults.
        public init() {}
    }

    /// The per-batch memory budget and the reaction to system memory pressure.
    public struct Memory: Sendable, Equatable {
        /// The memory budget of one batch in MiB; for a dense model it caps the rows per batch through
        /// the model's memory estimate. `nil`: no cap beyond ``Batching/maxSize``
        /// (seed: `max_batch_memory_mb`).
        public var maxBatchMB: Int?
        /// Under critical memory pressure, release pooled batch memory after every batch
        /// (seed: `enable_memory_optimization`).
        public var trimsUnderPressure = true
        /// System memory use, in percent, that raises a warning (seed: `memory_warning_threshold`).
        public var warningPercent = 80.0
        /// System memory use, in percent, that makes the processor shrink batches and release memory
        /// (seed: `memory_critical_threshold`).
        public var criticalPercent = 90.0

        /// The defaults.
        public init() {}
    }

    /// Retries, batch shrinking and the circuit breaker.
    public struct Failures: Sendable, Equatable {
        /// Retries of a failed batch before its items fail (seed: `max_retries`).
        public var maxRetries = 3
        /// The delay before the first retry (seed: `retry_delay`).
        public var retryDelay: Duration = .seconds(1)
        /// Shrink the batch size after failed batches (seed: `reduce_batch_on_failure`).
        public var shrinksBatches = true
        /// Refuse new items for a cool-down when too many fail; `nil` (the default) turns it off.
        public var circuitBreaker: CircuitBreakerConfiguration?

        /// The defaults.
        public init() {}
    }

    /// The statistics window and the swift-metrics instruments.
    public struct Monitoring: Sendable, Equatable {
        /// Collect statistics; when `false`, no clock is read for them and nothing is recorded
        /// (seed: `enable_monitoring`).
        public var statistics = true
        /// The number of recent batches the statistics window covers (seed: `monitoring_window`).
        public var window = 1000
        /// The prefix of the swift-metrics instrument names; `nil` emits no metrics.
        public var metricsLabel: String? = "batch_processor"

        /// The defaults.
        public init() {}
    }

    /// Periodic health checks and alert thresholds.
    public struct Health: Sendable, Equatable {
        /// Run periodic health checks (seed: `enable_health_monitoring`).
        public var enabled = true
        /// The time between health checks (seed: `health_check_interval`).
        public var checkInterval: Duration = .seconds(30)
        /// A queue this long raises a warning (seed: `queue_warning_threshold`).
        public var queueWarning = 500
        /// A queue this long is critical (seed: `queue_critical_threshold`).
        public var queueCritical = 800
        /// A p95 item latency at or above this raises an alert; `nil`: not watched.
        public var alertLatencyP95: Duration? = .milliseconds(500)
        /// An error rate (0…1) at or above this raises an alert; `nil`: not watched.
        public var alertErrorRate: Double? = 0.05

        /// The defaults.
        public init() {}
    }
}
