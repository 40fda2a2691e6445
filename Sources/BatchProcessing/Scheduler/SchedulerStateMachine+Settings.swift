extension SchedulerStateMachine.Settings {
    /// The settings a processor with `configuration` runs its machine with.
    ///
    /// One mapping for ``SchedulerStorage`` and the simulator's ``SchedulerSimulationCore``, so the
    /// simulated machine cannot drift from the real one.
    ///
    /// - Parameters:
    ///   - rowCap: the backend's row cap (`min(batching.maxSize, memory row cap)` for a dense model).
    ///   - splitsItems: whether items larger than a batch may be split across batches.
    init(configuration: BatchProcessorConfiguration, rowCap: Int, splitsItems: Bool) {
        self.init()
        minBatchSize = configuration.batching.minSize
        self.rowCap = rowCap
        batchTimeout = configuration.batching.timeout
        itemTimeout = configuration.batching.itemTimeout
        maxQueueSize = configuration.queue.capacity
        priorities = configuration.queue.prioritized
        agingLimit = configuration.queue.agingLimit
        minBatchInterval = configuration.batching.minInterval
        strategy = configuration.batching.strategy == .greedy ? .greedy : .fixed
        workers = configuration.workers.count
        self.splitsItems = splitsItems
        reduceOnFailure = configuration.failures.shrinksBatches
        maxRetries = configuration.failures.maxRetries
        retryDelay = configuration.failures.retryDelay
        watchdogLimit = configuration.workers.watchdogLimit ?? configuration.batching.itemTimeout
        circuitBreaker = configuration.failures.circuitBreaker
        rejectPredictedLate = configuration.batching.rejectPredictedLate
        if configuration.adaptsBatchSize {
            var adaptive = AdaptiveController.Settings()
            adaptive.minBatchSize = configuration.batching.minSize
            adaptive.rowCap = rowCap
            adaptive.workers = configuration.workers.count
            adaptive.targetLatency = configuration.batching.targetLatency
            self.adaptive = adaptive
        }
    }
}
