/// A processor's statistics: the ``BatchStatsSnapshot`` window plus the scheduler's live state.
public struct BatchProcessorStats: Sendable, Equatable {
    /// The windowed figures (all zero when monitoring is off).
    public var window: BatchStatsSnapshot
    /// The current target batch size, in rows.
    public var currentBatchSize: Int
    /// The largest batch the processor forms (`batching.maxSize`, or less under a memory budget).
    public var maxRowsPerBatch: Int
    /// Batches being computed now.
    public var activeBatches: Int
    /// Items queued, not yet dispatched.
    public var queueSize: Int
    /// Producers waiting for queue space.
    public var waitingProducers: Int
    /// Whether dispatch is paused.
    public var isPaused: Bool
    /// Whether a stop is in progress.
    public var isStopping: Bool
    /// Whether the processor is running (started, not stopped).
    public var isRunning: Bool
    /// The adaptive controller's state, when the strategy is adaptive.
    public var controller: AdaptiveControllerSnapshot?
    /// Items of failed batches waiting to run again.
    public var pendingRetries = 0
    /// Failed batches split in two to isolate failing items, since the last `start`.
    public var isolationRuns = 0
    /// Single items scheduled to run again after a failure, since the last `start`.
    public var retriesScheduled = 0
    /// Batches the watchdog declared stuck, since the last `start`.
    public var watchdogTrips = 0
    /// Batches whose processing function returned the wrong number of results (each of their items
    /// failed with `resultCountMismatch`), since the last `start`.
    public var resultCountMismatches = 0
    /// Stuck batches whose workers have not returned yet.
    public var stuckBatches = 0
    /// The circuit breaker's state.
    public var circuit = CircuitState.disabled

    /// Mean compute time per batch.
    public var avgProcessingTime: Duration { window.avgProcessingTime }
    /// Mean rows per batch.
    public var avgBatchSize: Double { window.avgBatchSize }
    /// The largest batch in the statistics window, in rows.
    public var largestBatchSize: Int { window.largestBatchSize }
    /// Median rows per batch in the statistics window.
    public var p50BatchSize: Int { window.p50BatchSize }
    /// 90th percentile rows per batch in the statistics window.
    public var p90BatchSize: Int { window.p90BatchSize }
    /// 99th percentile rows per batch in the statistics window.
    public var p99BatchSize: Int { window.p99BatchSize }
    /// Mean time in the queue.
    public var avgQueueTime: Duration { window.avgQueueTime }
    /// Median per-item latency.
    public var p50Latency: Duration { window.p50Latency }
    /// 95th percentile per-item latency.
    public var p95Latency: Duration { window.p95Latency }
    /// 99th percentile per-item latency.
    public var p99Latency: Duration { window.p99Latency }
    /// Items per second over the window.
    public var throughput: Double { window.throughput }
    /// Failed over finished items.
    public var errorRate: Double { window.errorRate }
    /// Busy fraction of the workers.
    public var systemLoad: Double { window.systemLoad }

    /// The figures under the original module's `get_stats()` keys, times in seconds.
    public var dictionary: [String: Double] {
        [
            "avg_processing_time": avgProcessingTime.inSeconds,
            "avg_batch_size": avgBatchSize,
            "largest_batch_size": Double(largestBatchSize),
            "p50_batch_size": Double(p50BatchSize),
            "p90_batch_size": Double(p90BatchSize),
            "p99_batch_size": Double(p99BatchSize),
            "avg_queue_time": avgQueueTime.inSeconds,
            "p50_latency": p50Latency.inSeconds,
            "p95_latency": p95Latency.inSeconds,
            "p99_latency": p99Latency.inSeconds,
            "throughput": throughput,
            "error_rate": errorRate,
            "current_batch_size": Double(currentBatchSize),
            "system_load": systemLoad,
            "active_batches": Double(activeBatches),
            "queue_size": Double(queueSize),
            "is_paused": isPaused ? 1 : 0,
            "is_stopping": isStopping ? 1 : 0,
        ]
    }
}
