extension BatchProcessorConfiguration {
    /// The largest ``Monitoring/window`` accepted: the statistics window is allocated in full up front.
    public static let maxMonitoringWindow = 1_000_000
    /// The longest duration accepted for any time setting: `Int64.max` seconds, the most the
    /// scheduler's timer can sleep (it converts waits with `Duration.components`).
    public static let maxDuration = Duration.seconds(Int64.max)

    /// Checks every value and combination; throws the first problem, naming the field and the rule.
    public func validate() throws(ConfigurationError) {
        func require(_ condition: Bool, _ field: String, _ rule: @autoclosure () -> String) throws(ConfigurationError) {
            if !condition { throw ConfigurationError(field: field, rule: rule()) }
        }
        try require(batching.minSize >= 1, "batching.minSize", "must be at least 1 (got \(batching.minSize))")
        try require(
            batching.maxSize >= batching.minSize, "batching.maxSize",
            "must be at least batching.minSize (got \(batching.maxSize) < \(batching.minSize))")
        try require(
            (batching.minSize...batching.maxSize).contains(batching.initialSize), "batching.initialSize",
            "must lie in batching.minSize...batching.maxSize (got \(batching.initialSize), range \(batching.minSize)...\(batching.maxSize))"
        )
        // Zero is valid: "never wait", every batch goes out as soon as a worker is free.
        try require(batching.timeout >= .zero, "batching.timeout", "must not be negative (got \(batching.timeout))")
        try require(
            batching.itemTimeout > .zero, "batching.itemTimeout", "must be positive (got \(batching.itemTimeout))")
        try require(queue.capacity >= 1, "queue.capacity", "must be at least 1 (got \(queue.capacity))")
        try require(workers.count >= 1, "workers.count", "must be at least 1 (got \(workers.count))")
        try require(workers.count <= 256, "workers.count", "must be at most 256 threads (got \(workers.count))")
        try require(
            batching.minInterval >= .zero, "batching.minInterval", "must not be negative (got \(batching.minInterval))")
        if let agingLimit = queue.agingLimit {
            try require(agingLimit > .zero, "queue.agingLimit", "must be positive or nil (got \(agingLimit))")
        }
        if let watchdogLimit = workers.watchdogLimit {
            try require(
                watchdogLimit > .zero, "workers.watchdogLimit", "must be positive or nil (got \(watchdogLimit))")
        }
        if let breaker = failures.circuitBreaker {
            try require(
                breaker.errorRateThreshold > 0 && breaker.errorRateThreshold <= 1,
                "failures.circuitBreaker.errorRateThreshold",
                "must lie in (0, 1] (got \(breaker.errorRateThreshold))")
            try require(
                breaker.minimumItems >= 1, "failures.circuitBreaker.minimumItems",
                "must be at least 1 (got \(breaker.minimumItems))")
            try require(
                breaker.window > .zero, "failures.circuitBreaker.window", "must be positive (got \(breaker.window))")
            try require(
                breaker.coolDown > .zero, "failures.circuitBreaker.coolDown",
                "must be positive (got \(breaker.coolDown))")
            try require(
                breaker.probeItems >= 1, "failures.circuitBreaker.probeItems",
                "must be at least 1 (got \(breaker.probeItems))")
        }
        if let targetLatency = batching.targetLatency {
            try require(
                targetLatency > .zero, "batching.targetLatency", "must be positive or nil (got \(targetLatency))")
        }
        try require(
            !batching.rejectPredictedLate || batching.targetLatency != nil, "batching.rejectPredictedLate",
            "needs a batching.targetLatency to predict against")
        if let maxBatchMB = memory.maxBatchMB {
            try require(maxBatchMB > 0, "memory.maxBatchMB", "must be positive or nil (got \(maxBatchMB))")
        }
        for (field, value) in [
            ("memory.warningPercent", memory.warningPercent), ("memory.criticalPercent", memory.criticalPercent),
        ] {
            try require((0...100).contains(value), field, "must be a percentage in 0...100 (got \(value))")
        }
        try require(
            memory.warningPercent < memory.criticalPercent, "memory.warningPercent",
            "must be below memory.criticalPercent (got \(memory.warningPercent) ≥ \(memory.criticalPercent))")
        try require(monitoring.window >= 1, "monitoring.window", "must be at least 1 (got \(monitoring.window))")
        // BatchStats reserves the whole window up front; a huge window trapped in BatchProcessor.init
        // (found by Fuzz/FuzzConfiguration).
        try require(
            monitoring.window <= Self.maxMonitoringWindow, "monitoring.window",
            "must be at most \(Self.maxMonitoringWindow) batches (got \(monitoring.window))")
        try require(
            health.checkInterval > .zero, "health.checkInterval", "must be positive (got \(health.checkInterval))")
        try require(
            health.queueWarning >= 1, "health.queueWarning", "must be at least 1 (got \(health.queueWarning))")
        try require(
            health.queueWarning < health.queueCritical, "health.queueWarning",
            "must be below health.queueCritical (got \(health.queueWarning) ≥ \(health.queueCritical))")
        if let alertLatencyP95 = health.alertLatencyP95 {
            try require(
                alertLatencyP95 > .zero, "health.alertLatencyP95", "must be positive or nil (got \(alertLatencyP95))")
        }
        if let alertErrorRate = health.alertErrorRate {
            try require(
                alertErrorRate > 0 && alertErrorRate <= 1, "health.alertErrorRate",
                "must lie in (0, 1] or be nil (got \(alertErrorRate))")
        }
        try require(
            failures.maxRetries >= 0, "failures.maxRetries", "must not be negative (got \(failures.maxRetries))")
        try require(
            failures.retryDelay >= .zero, "failures.retryDelay", "must not be negative (got \(failures.retryDelay))")
        // `Duration.components` traps beyond Int64.max seconds, so a larger batching.timeout and batching.itemTimeout
        // crashed the timer thread at the first item (found by Fuzz/FuzzConfiguration).
        let durations: [(String, Duration)] = [
            ("batching.timeout", batching.timeout), ("batching.itemTimeout", batching.itemTimeout),
            ("batching.minInterval", batching.minInterval),
            ("queue.agingLimit", queue.agingLimit ?? .zero), ("health.checkInterval", health.checkInterval),
            ("failures.retryDelay", failures.retryDelay),
        ]
        for (field, value) in durations {
            try require(value <= Self.maxDuration, field, "must be at most Int64.max seconds (got \(value))")
        }
    }
}
