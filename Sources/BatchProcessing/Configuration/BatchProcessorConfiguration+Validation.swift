extension BatchProcessorConfiguration {
    /// The largest ``monitoringWindow`` accepted: the statistics window is allocated in full up front.
    public static let maxMonitoringWindow = 1_000_000
    /// The longest duration accepted for any time setting: `Int64.max` seconds, the most the
    /// scheduler's timer can sleep (it converts waits with `Duration.components`).
    public static let maxDuration = Duration.seconds(Int64.max)

    /// Checks every value and combination; throws the first problem, naming the field and the rule.
    public func validate() throws(ConfigurationError) {
        func require(_ condition: Bool, _ field: String, _ rule: @autoclosure () -> String) throws(ConfigurationError) {
            if !condition { throw ConfigurationError(field: field, rule: rule()) }
        }
        try require(minBatchSize >= 1, "minBatchSize", "must be at least 1 (got \(minBatchSize))")
        try require(
            maxBatchSize >= minBatchSize, "maxBatchSize",
            "must be at least minBatchSize (got \(maxBatchSize) < \(minBatchSize))")
        try require(
            (minBatchSize...maxBatchSize).contains(initialBatchSize), "initialBatchSize",
            "must lie in minBatchSize...maxBatchSize (got \(initialBatchSize), range \(minBatchSize)...\(maxBatchSize))"
        )
        // Zero is valid: "never wait", every batch goes out as soon as a worker is free.
        try require(batchTimeout >= .zero, "batchTimeout", "must not be negative (got \(batchTimeout))")
        try require(itemTimeout > .zero, "itemTimeout", "must be positive (got \(itemTimeout))")
        try require(maxQueueSize >= 1, "maxQueueSize", "must be at least 1 (got \(maxQueueSize))")
        try require(maxWorkers >= 1, "maxWorkers", "must be at least 1 (got \(maxWorkers))")
        try require(maxWorkers <= 256, "maxWorkers", "must be at most 256 threads (got \(maxWorkers))")
        try require(minBatchInterval >= .zero, "minBatchInterval", "must not be negative (got \(minBatchInterval))")
        if let agingLimit {
            try require(agingLimit > .zero, "agingLimit", "must be positive or nil (got \(agingLimit))")
        }
        if let watchdogLimit {
            try require(watchdogLimit > .zero, "watchdogLimit", "must be positive or nil (got \(watchdogLimit))")
        }
        if let breaker = circuitBreaker {
            try require(
                breaker.errorRateThreshold > 0 && breaker.errorRateThreshold <= 1, "circuitBreaker.errorRateThreshold",
                "must lie in (0, 1] (got \(breaker.errorRateThreshold))")
            try require(
                breaker.minimumItems >= 1, "circuitBreaker.minimumItems",
                "must be at least 1 (got \(breaker.minimumItems))")
            try require(breaker.window > .zero, "circuitBreaker.window", "must be positive (got \(breaker.window))")
            try require(
                breaker.coolDown > .zero, "circuitBreaker.coolDown", "must be positive (got \(breaker.coolDown))")
            try require(
                breaker.probeItems >= 1, "circuitBreaker.probeItems", "must be at least 1 (got \(breaker.probeItems))")
        }
        if let targetLatency {
            try require(targetLatency > .zero, "targetLatency", "must be positive or nil (got \(targetLatency))")
        }
        try require(
            !rejectPredictedLateItems || targetLatency != nil, "rejectPredictedLateItems",
            "needs a targetLatency to predict against")
        if let maxBatchMemoryMB {
            try require(maxBatchMemoryMB > 0, "maxBatchMemoryMB", "must be positive or nil (got \(maxBatchMemoryMB))")
        }
        try require(gcBatchThreshold >= 1, "gcBatchThreshold", "must be at least 1 (got \(gcBatchThreshold))")
        for (field, value) in [
            ("memoryWarningThreshold", memoryWarningThreshold), ("memoryCriticalThreshold", memoryCriticalThreshold),
        ] {
            try require((0...100).contains(value), field, "must be a percentage in 0...100 (got \(value))")
        }
        try require(
            memoryWarningThreshold < memoryCriticalThreshold, "memoryWarningThreshold",
            "must be below memoryCriticalThreshold (got \(memoryWarningThreshold) ≥ \(memoryCriticalThreshold))")
        try require(monitoringWindow >= 1, "monitoringWindow", "must be at least 1 (got \(monitoringWindow))")
        // BatchStats reserves the whole window up front; a huge window trapped in BatchProcessor.init
        // (found by Fuzz/FuzzConfiguration).
        try require(
            monitoringWindow <= Self.maxMonitoringWindow, "monitoringWindow",
            "must be at most \(Self.maxMonitoringWindow) batches (got \(monitoringWindow))")
        try require(
            healthCheckInterval > .zero, "healthCheckInterval", "must be positive (got \(healthCheckInterval))")
        try require(
            queueWarningThreshold >= 1, "queueWarningThreshold", "must be at least 1 (got \(queueWarningThreshold))")
        try require(
            queueWarningThreshold < queueCriticalThreshold, "queueWarningThreshold",
            "must be below queueCriticalThreshold (got \(queueWarningThreshold) ≥ \(queueCriticalThreshold))")
        if let alertLatencyP95 {
            try require(alertLatencyP95 > .zero, "alertLatencyP95", "must be positive or nil (got \(alertLatencyP95))")
        }
        if let alertErrorRate {
            try require(
                alertErrorRate > 0 && alertErrorRate <= 1, "alertErrorRate",
                "must lie in (0, 1] or be nil (got \(alertErrorRate))")
        }
        try require(maxRetries >= 0, "maxRetries", "must not be negative (got \(maxRetries))")
        try require(retryDelay >= .zero, "retryDelay", "must not be negative (got \(retryDelay))")
        if case .threads(let count) = blasThreading {
            try require(count >= 1, "blasThreading", "must use at least 1 thread (got \(count))")
        }
        // `Duration.components` traps beyond Int64.max seconds, so a larger batchTimeout and itemTimeout
        // crashed the timer thread at the first item (found by Fuzz/FuzzConfiguration).
        let durations: [(String, Duration)] = [
            ("batchTimeout", batchTimeout), ("itemTimeout", itemTimeout), ("minBatchInterval", minBatchInterval),
            ("agingLimit", agingLimit ?? .zero), ("healthCheckInterval", healthCheckInterval),
            ("retryDelay", retryDelay),
        ]
        for (field, value) in durations {
            try require(value <= Self.maxDuration, field, "must be at most Int64.max seconds (got \(value))")
        }
    }
}
