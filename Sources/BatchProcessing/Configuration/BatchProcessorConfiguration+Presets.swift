extension BatchProcessorConfiguration {
    /// Large batches, many workers, no priority bookkeeping: the most items per second, at some latency.
    ///
    /// Use it for offline scoring and bulk pipelines where nobody waits on a single item.
    public static var highThroughput: Self {
        Self {
            $0.batching.initialSize = 128
            $0.batching.maxSize = 512
            $0.batching.timeout = .milliseconds(50)
            $0.queue.prioritized = false
            $0.workers.count = 8
            $0.memory.maxBatchMB = 1024
            $0.memory.trimsUnderPressure = true
        }
    }

    /// Small batches sent after at most 10 ms, with priorities: interactive serving.
    public static var lowLatency: Self {
        Self {
            $0.batching.initialSize = 8
            $0.batching.maxSize = 32
            $0.batching.timeout = .milliseconds(10)
            $0.queue.prioritized = true
            $0.batching.minInterval = .milliseconds(1)
            $0.health.enabled = true
        }
    }

    /// A strict per-batch memory budget and early reaction to memory pressure.
    public static var memoryConstrained: Self {
        Self {
            $0.batching.initialSize = 16
            $0.batching.maxSize = 64
            $0.memory.maxBatchMB = 256
            $0.memory.trimsUnderPressure = true
            $0.memory.warningPercent = 70
            $0.memory.criticalPercent = 85
            $0.failures.shrinksBatches = true
        }
    }
}
