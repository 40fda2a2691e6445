/// Every setting of a ``BatchProcessor``, grouped by concern, with the defaults of the module it
/// descends from.
///
/// ```swift
/// let configuration = BatchProcessorConfiguration {
///     $0.batching.maxSize = 256
///     $0.batching.timeout = .milliseconds(5)
///     $0.queue.capacity = 10_000
///     $0.workers.count = 2
/// }
/// ```
///
/// Times are `Duration`s. Call ``validate()`` (``BatchProcessor`` does it for you) to reject values
/// the processor cannot honour. Each field of the Python `BatchProcessorConfig` has a home here; the
/// Configuration article maps them one by one.
public struct BatchProcessorConfiguration: Sendable, Equatable {
    /// Batch sizes, how long a batch may wait to fill, and how sizes adapt.
    public var batching = Batching()
    /// The queue of items waiting for a batch.
    public var queue = Queue()
    /// The threads that compute batches.
    public var workers = Workers()
    /// The per-batch memory budget and the reaction to system memory pressure.
    public var memory = Memory()
    /// Retries, batch shrinking and the circuit breaker.
    public var failures = Failures()
    /// The statistics window and the swift-metrics instruments.
    public var monitoring = Monitoring()
    /// Periodic health checks and alert thresholds.
    public var health = Health()

    /// The defaults.
    public init() {}

    /// The defaults, changed by `configure`.
    public init(_ configure: (inout BatchProcessorConfiguration) -> Void) {
        configure(&self)
    }

    /// Whether the batch size may change at run time by itself.
    var adaptsBatchSize: Bool { batching.strategy == .adaptive }
}
