import DequeModule

extension SchedulerStateMachine {
    /// Batch `id` failed as a whole with `error`.
    ///
    /// A batch of several items is split in two and both halves run again at once (isolation), so a
    /// failing item ends up alone and healthy items in its batch still succeed. A single item runs
    /// again after `retryDelay · 2^attempt · jitter` while `attempt < maxRetries` and the error is
    /// retryable; then it fails with its own error. Retries never hold a worker: they wait in the
    /// machine and the timer wakes a worker when one is due.
    ///
    /// - Parameter jitter: the backoff's random factor, in 0.5..<1.5 (the storage draws it).
    mutating func batchFailed(
        id: UInt64,
        error: BatchProcessorError,
        retryable: Bool,
        serviceTime: Duration,
        jitter: Double,
        now: Duration
    ) -> Actions {
        var actions = Actions()
        if stuck.removeValue(forKey: id) != nil {
            actions.retireWorker = true
            return actions
        }
        guard let batch = inFlight.removeValue(forKey: id) else { return actions }
        // Parts already failed by their deadline are finished.
        let live = batch.parts.filter { $0.deadline > batch.expiredThrough && $0.deadline > now }
        policy.batchEnded(
            rows: batch.rows, serviceTime: serviceTime, succeeded: false, queuedRows: queuedRows, now: now)
        if lifecycle == .stopped {
            for part in live { actions.failures.append((part.element, .shuttingDown)) }
        } else if live.count > 1 {
            isolationRuns += 1
            let middle = live.count / 2
            retries.append(RetryBatch(parts: Array(live[..<middle]), notBefore: now, attempt: batch.attempt))
            retries.append(RetryBatch(parts: Array(live[middle...]), notBefore: now, attempt: batch.attempt))
        } else if let part = live.first {
            if retryable && batch.attempt < settings.maxRetries {
                retriesScheduled += 1
                let delay = settings.retryDelay * (Double(1 << min(batch.attempt, 30)) * jitter)
                retries.append(RetryBatch(parts: [part], notBefore: now + delay, attempt: batch.attempt + 1))
                armTimer(for: now + delay, &actions.wakeups)
            } else {
                actions.failures.append((part.element, error))
                if breaker != nil { breaker!.record(succeeded: 0, failed: 1, now: now) }
            }
        }
        wakeWorkerIfReady(now: now, &actions.wakeups)
        finishStopIfDrained(&actions)
        return actions
    }

    /// Batch `id`'s processing function returned the wrong number of results.
    ///
    /// A programming error, not a transient fault: every item of the batch fails with `error` at once.
    /// No isolation and no retry — running the function again, whole or split, would only repeat the
    /// mistake and the function's side effects.
    mutating func batchReturnedWrongResultCount(id: UInt64, error: BatchProcessorError, now: Duration) -> Actions {
        var actions = Actions()
        if stuck.removeValue(forKey: id) != nil {
            actions.retireWorker = true
            return actions
        }
        guard let batch = inFlight.removeValue(forKey: id) else { return actions }
        resultCountMismatches += 1
        // Parts already failed by their deadline are finished; every other part fails now.
        var failed = 0
        for part in batch.parts where part.deadline > batch.expiredThrough {
            actions.failures.append((part.element, error))
            failed += 1
        }
        if breaker != nil, failed > 0 { breaker!.record(succeeded: 0, failed: failed, now: now) }
        wakeWorkerIfReady(now: now, &actions.wakeups)
        finishStopIfDrained(&actions)
        return actions
    }

    /// Parts waiting to run again.
    var pendingRetryItems: Int { retries.reduce(0) { $0 + $1.parts.count } }
}
