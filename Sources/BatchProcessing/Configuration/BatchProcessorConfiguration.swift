/// Every setting of a ``BatchProcessor``, with the defaults of the module it descends from.
///
/// Times are `Duration`s. Call ``validate()`` (``BatchProcessor`` does it for you) to reject values
/// the processor cannot honour.
public struct BatchProcessorConfiguration: Sendable, Equatable {
    // MARK: Core batching

    /// The target batch size, in rows, when the processor starts (unless ``BatchProcessor/updateBatchSize(_:)``
    /// set another while it was not running).
    public var initialBatchSize = 32
    /// The smallest target the batch size may be set to (adaptive sizing or ``BatchProcessor/updateBatchSize(_:)``).
    public var minBatchSize = 1
    /// The most rows in one batch. Items larger than this are split across batches.
    public var maxBatchSize = 128
    /// The longest an item waits for its batch to fill, measured from the item's own arrival.
    ///
    /// Zero means never wait: a batch goes out with whatever is queued as soon as a worker is free.
    public var batchTimeout: Duration = .milliseconds(100)
    /// The longest an item may take from arrival to result before it fails with `timedOut`.
    public var itemTimeout: Duration = .seconds(30)

    // MARK: Queue and threading

    /// The most items queued (not yet dispatched); beyond it, submitting waits for room.
    ///
    /// The seed's `max_queue_size` ("maximum items in queue before blocking"): a producer without an
    /// enqueue timeout blocks (or suspends) until there is room, one with a timeout fails with `queueFull`
    /// when it passes, and one with a zero timeout fails at once.
    public var maxQueueSize = 1000
    /// Serve items by ``BatchPriority`` (then arrival); otherwise strictly in arrival order.
    public var enablePriorityQueue = false
    /// The number of worker threads, hence of batches computed at once.
    public var maxWorkers = 4
    /// The least time between the starts of two batches (0 = no limit).
    public var minBatchInterval: Duration = .zero
    /// With the priority queue, an item that has waited this long is served before fresher items of
    /// any priority, so low priorities never starve. `nil` turns aging off.
    public var agingLimit: Duration? = .seconds(1)

    // MARK: Memory

    /// The memory budget of one batch in MiB; for a dense model it caps the rows per batch through
    /// ``DenseKernels/MemoryEstimate``. `nil` means no cap beyond ``maxBatchSize``.
    public var maxBatchMemoryMB: Int?
    /// Keep packing slabs pooled and trim the pool under memory pressure.
    public var enableMemoryOptimization = true
    /// Batches of at least this many rows count as large for memory housekeeping.
    public var gcBatchThreshold = 100
    /// System memory use (percent) that raises a warning.
    public var memoryWarningThreshold = 80.0
    /// System memory use (percent) that makes the processor shrink batches and release memory.
    public var memoryCriticalThreshold = 90.0

    // MARK: Adaptive processing

    /// Let the batch size follow the load (with ``BatchProcessingStrategy/adaptive``).
    public var enableAdaptiveBatching = true
    /// How batch sizes and dispatch times are chosen.
    public var processingStrategy: BatchProcessingStrategy = .adaptive
    /// Shrink the batch size after failed batches.
    public var reduceBatchOnFailure = true
    /// A batch running longer than this is declared stuck: its items fail with `timedOut` and its worker
    /// is replaced so serving continues. `nil` uses ``itemTimeout``.
    public var watchdogLimit: Duration?
    /// Refuse new items for a cool-down when too many fail; `nil` (the default) turns it off.
    public var circuitBreaker: CircuitBreakerConfiguration?
    /// A per-item latency objective (arrival to result) the adaptive controller sizes and sends batches
    /// for; `nil` for none.
    public var targetLatency: Duration?
    /// With ``targetLatency``, refuse items predicted to miss it with `overloaded` instead of queueing them.
    public var rejectPredictedLateItems = false

    // MARK: Monitoring and health

    /// Collect statistics. When `false`, no clock is read and nothing is recorded for statistics.
    public var enableMonitoring = true
    /// The number of recent batches the statistics window covers.
    public var monitoringWindow = 1000
    /// The prefix of the swift-metrics instrument names; `nil` emits no metrics.
    public var metricsLabel: String? = "batch_processor"
    /// Run periodic health checks.
    public var enableHealthMonitoring = true
    /// The time between health checks.
    public var healthCheckInterval: Duration = .seconds(30)
    /// A queue this long raises a warning.
    public var queueWarningThreshold = 500
    /// A queue this long is critical.
    public var queueCriticalThreshold = 800
    /// A p95 item latency at or above this raises an alert (`nil`: not watched).
    public var alertLatencyP95: Duration? = .milliseconds(500)
    /// An error rate (0…1) at or above this raises an alert (`nil`: not watched).
    public var alertErrorRate: Double? = 0.05

    // MARK: Errors and retries

    /// Retries of a failed batch before its items fail.
    public var maxRetries = 3
    /// The delay before the first retry.
    public var retryDelay: Duration = .seconds(1)
    /// Log at debug level.
    public var debugMode = false

    // MARK: Dense models

    /// How many threads OpenBLAS uses while a dense-model processor runs.
    public var blasThreading: BLASThreading = .perWorker
    /// What a dense-model processor does with NaN or infinite inputs.
    public var nonFiniteInputs: NonFinitePolicy = .allow

    /// The defaults.
    public init() {}

    /// The defaults, changed by `configure`.
    public init(_ configure: (inout BatchProcessorConfiguration) -> Void) {
        configure(&self)
    }

    /// Whether the batch size may change at run time by itself.
    var adaptsBatchSize: Bool { processingStrategy == .adaptive && enableAdaptiveBatching }
}
