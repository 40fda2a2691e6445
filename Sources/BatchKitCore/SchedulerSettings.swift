public import BatchProcessing
public import DenseBatching

/// The scheduler knobs `batchkit` exposes on its command line, and the processor configuration they make.
public struct SchedulerSettings: Sendable, Equatable {
    /// The most rows in one batch (`batching.maxSize`; also the target batch size).
    public var maxBatchSize = 256
    /// The longest an item waits for its batch to fill (`batching.timeout`).
    public var batchTimeout: Duration = .milliseconds(2)
    /// Worker threads computing batches at once (`workers.count`).
    public var workers = 2
    /// How batches are sized and sent (`batching.strategy`).
    public var strategy: BatchProcessingStrategy = .greedy
    /// The priority every item is submitted with; `nil` leaves the priority queue off.
    public var priority: BatchPriority?
    /// The per-batch memory budget in MiB (`memory.maxBatchMB`), which caps the rows per batch.
    public var memoryMB: Int?
    /// Items queued before submitting waits (`queue.capacity`).
    public var maxQueueSize = 4096
    /// OpenBLAS threads while the model runs (`DenseOptions.blasThreading`).
    public var blasThreading: BLASThreading = .perWorker
    /// The longest an item may take from arrival to result (`batching.itemTimeout`); `nil` keeps the
    /// library's 30 s, which suits a server. `infer` sets a day: its items wait behind a window of
    /// others by design, and a large batch can take longer than 30 s to compute.
    public var itemTimeout: Duration?
    /// What a NaN or infinite input does (`DenseOptions.nonFiniteInputs`): computed through as the
    /// float64 definitions do (the default), or refused.
    public var nonFiniteInputs: NonFinitePolicy = .propagate

    /// Settings with every default.
    public init() {}

    /// The configuration for a dense-model processor with these settings.
    ///
    /// The target batch size starts at the maximum: a command-line run submits its items as fast as it
    /// can, so every batch can be full, and the adaptive strategy still shrinks it when load is low.
    public var configuration: BatchProcessorConfiguration {
        var configuration = BatchProcessorConfiguration()
        configuration.batching.maxSize = maxBatchSize
        configuration.batching.initialSize = maxBatchSize
        configuration.batching.timeout = batchTimeout
        configuration.workers.count = workers
        configuration.batching.strategy = strategy
        configuration.queue.prioritized = priority != nil
        configuration.memory.maxBatchMB = memoryMB
        if let itemTimeout { configuration.batching.itemTimeout = itemTimeout }
        configuration.queue.capacity = maxQueueSize
        // The queue thresholds only drive warnings; keep them below the queue size so validation passes.
        configuration.health.queueCritical = max(2, maxQueueSize * 9 / 10)
        configuration.health.queueWarning = max(1, maxQueueSize * 7 / 10)
        configuration.health.enabled = false
        return configuration
    }

    /// How the processor runs the dense model with these settings.
    public var denseOptions: DenseOptions {
        DenseOptions {
            $0.blasThreading = blasThreading
            $0.nonFiniteInputs = nonFiniteInputs
        }
    }
}
