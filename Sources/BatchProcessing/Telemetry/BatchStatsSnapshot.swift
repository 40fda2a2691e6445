/// The figures of a ``BatchStats`` window at one moment. See ``BatchStats`` for what each means.
public struct BatchStatsSnapshot: Sendable, Equatable {
    /// Mean compute time of one batch.
    public var avgProcessingTime: Duration = .zero
    /// Mean rows per batch.
    public var avgBatchSize = 0.0
    /// The largest batch in the window, in rows (to check a memory cap or a controller against).
    public var largestBatchSize = 0
    /// The median batch size in the window, in rows.
    public var p50BatchSize = 0
    /// The 90th percentile batch size in the window, in rows.
    public var p90BatchSize = 0
    /// The 99th percentile batch size in the window, in rows.
    public var p99BatchSize = 0
    /// Mean time items waited in the queue before their batch started.
    public var avgQueueTime: Duration = .zero
    /// Median per-item latency, arrival to result.
    public var p50Latency: Duration = .zero
    /// 95th percentile per-item latency.
    public var p95Latency: Duration = .zero
    /// 99th percentile per-item latency.
    public var p99Latency: Duration = .zero
    /// Items per second over the window (see ``BatchStats``).
    public var throughput = 0.0
    /// Failed items over finished items, 0…1.
    public var errorRate = 0.0
    /// Busy fraction of the workers over the window, 0…1.
    public var systemLoad = 0.0
    /// Batches in the window.
    public var windowBatches = 0
    /// Items completed successfully since the start.
    public var totalItems = 0
    /// Items failed since the start.
    public var totalErrors = 0
    /// Batches completed since the start.
    public var totalBatches = 0
    /// Failed items by ``BatchProcessorError/Code`` description.
    public var errorsByCode: [String: Int] = [:]
    /// Batches by the reason they were dispatched.
    public var batchesByReason: [DispatchReason: Int] = [:]

    /// Creates an empty snapshot.
    public init() {}
}
