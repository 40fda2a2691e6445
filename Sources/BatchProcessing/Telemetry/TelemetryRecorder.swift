/// The one place the scheduler records what happened: it feeds both the statistics window
/// (``BatchStats``, read through ``BatchProcessor/stats()``) and the swift-metrics instruments, so
/// the two can never disagree about what was counted.
struct TelemetryRecorder: Sendable {
    /// The statistics window; `nil` when `monitoring.statistics` is off.
    let stats: BatchStats?
    /// The swift-metrics instruments; `nil` when `monitoring.metricsLabel` is `nil`.
    let metrics: BatchMetrics?

    /// Whether anything is recorded at all (so callers can skip gathering figures).
    var isEnabled: Bool { stats != nil || metrics != nil }

    /// Counts one failed or refused item under its error code.
    func recordFailure(_ code: BatchProcessorError.Code) {
        stats?.recordErrors(code: code.description, count: 1)
        metrics?.recordFailure(code)
    }

    /// Counts one batch whose processing function returned the wrong number of results.
    func recordResultCountMismatch() {
        metrics?.recordResultCountMismatch()
    }

    /// Records the scheduler's live gauges.
    func recordState(queueDepth: Int, activeBatches: Int, target: Int) {
        metrics?.recordState(queueDepth: queueDepth, activeBatches: activeBatches, target: target)
    }

    /// Records one computed batch: its size and service time, and the queue time and latency of each
    /// item that succeeded, in one pass over the items for both sinks.
    ///
    /// Times are whole nanoseconds on the scheduler's clock: per item this is integer arithmetic, and
    /// only the batch's figures become `Duration`s.
    ///
    /// - Parameters:
    ///   - submittedAt: when item `index` (of every item in the batch) was submitted.
    ///   - succeededSubmissions: when each item that succeeded was submitted.
    func recordBatch(
        reason: DispatchReason,
        rows: Int,
        items: Int,
        dispatchedAt: Int64,
        started: Int64,
        finished: Int64,
        submittedAt: (Int) -> Int64,
        succeededSubmissions: [Int64]
    ) {
        let succeeded = succeededSubmissions.count
        if let metrics {
            metrics.recordBatch(
                reason: reason, rows: rows, succeeded: succeeded, serviceTime: .nanoseconds(finished - started))
            for submitted in succeededSubmissions {
                metrics.recordItem(queueNanoseconds: dispatchedAt - submitted, latencyNanoseconds: finished - submitted)
            }
        }
        guard let stats else { return }
        // A batch holds at most a few thousand items waiting at most hours: the sums stay far below
        // Int64's range.
        var queueTime: Int64 = 0
        for index in 0..<items { queueTime += dispatchedAt - submittedAt(index) }
        let count = Int64(max(items, 1))
        stats.record(
            processingNanoseconds: finished - started, batchSize: rows, items: succeeded,
            queueNanoseconds: queueTime / count, reason: reason
        ) { record in
            for submitted in succeededSubmissions { record((finished - submitted) / 1000) }
        }
    }
}
