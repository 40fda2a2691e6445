public import BatchProcessing

/// The scheduler knobs `batchkit` exposes on its command line, and the processor configuration they make.
public struct SchedulerSettings: Sendable, Equatable {
    /// The most rows in one batch (`maxBatchSize`; also the target batch size).
    public var maxBatchSize = 256
    /// The longest an item waits for its batch to fill (`batchTimeout`).
    public var batchTimeout: Duration = .milliseconds(2)
    /// Worker threads computing batches at once (`maxWorkers`).
    public var workers = 2
    /// How batches are sized and sent (`processingStrategy`).
    public var strategy: BatchProcessingStrategy = .greedy
    /// The priority every item is submitted with; `nil` leaves the priority queue off.
    public var priority: BatchPriority?
    /// The per-batch memory budget in MiB (`maxBatchMemoryMB`), which caps the rows per batch.
    public var memoryMB: Int?
    /// Items queued before submitting waits (`maxQueueSize`).
    public var maxQueueSize = 4096
    /// OpenBLAS threads while the model runs (`blasThreading`).
    public var blasThreading: BLASThreading = .perWorker

    /// Settings with every default.
    public init() {}

    /// The configuration for a dense-model processor with these settings.
    ///
    /// The target batch size starts at the maximum: a command-line run submits its items as fast as it
    /// can, so every batch can be full, and the adaptive strategy still shrinks it when load is low.
    public var configuration: BatchProcessorConfiguration {
        var configuration = BatchProcessorConfiguration()
        configuration.maxBatchSize = maxBatchSize
        configuration.initialBatchSize = maxBatchSize
        configuration.batchTimeout = batchTimeout
        configuration.maxWorkers = workers
        configuration.processingStrategy = strategy
        configuration.enableAdaptiveBatching = strategy == .adaptive
        configuration.enablePriorityQueue = priority != nil
        configuration.maxBatchMemoryMB = memoryMB
        configuration.maxQueueSize = maxQueueSize
        // The queue thresholds only drive warnings; keep them below the queue size so validation passes.
        configuration.queueCriticalThreshold = max(2, maxQueueSize * 9 / 10)
        configuration.queueWarningThreshold = max(1, maxQueueSize * 7 / 10)
        configuration.enableHealthMonitoring = false
        configuration.blasThreading = blasThreading
        return configuration
    }
}
