extension BatchProcessorConfiguration {
    /// Large batches, many workers, no priority bookkeeping: the most items per second, at some latency.
    ///
    /// Use it for offline scoring and bulk pipelines where nobody waits on a single item.
    public static var highThroughput: Self {
        Self {
            $0.initialBatchSize = 128
            $0.maxBatchSize = 512
            $0.batchTimeout = .milliseconds(50)
            $0.enablePriorityQueue = false
            $0.maxWorkers = 8
            $0.enableAdaptiveBatching = true
            $0.maxBatchMemoryMB = 1024
            $0.enableMemoryOptimization = true
        }
    }

    /// Small batches sent after at most 10 ms, with priorities: interactive serving.
    public static var lowLatency: Self {
        Self {
            $0.initialBatchSize = 8
            $0.maxBatchSize = 32
            $0.batchTimeout = .milliseconds(10)
            $0.enablePriorityQueue = true
            $0.minBatchInterval = .milliseconds(1)
            $0.enableAdaptiveBatching = true
            $0.enableHealthMonitoring = true
        }
    }

    /// A strict per-batch memory budget and early reaction to memory pressure.
    public static var memoryConstrained: Self {
        Self {
            $0.initialBatchSize = 16
            $0.maxBatchSize = 64
            $0.maxBatchMemoryMB = 256
            $0.enableMemoryOptimization = true
            $0.gcBatchThreshold = 32
            $0.memoryWarningThreshold = 70
            $0.memoryCriticalThreshold = 85
            $0.reduceBatchOnFailure = true
        }
    }
}
