import Metrics

/// The processor's swift-metrics instruments: whatever backend the application bootstrapped
/// (Prometheus, StatsD, OpenTelemetry …) receives them; without one they cost a no-op call.
///
/// Names start with `label` (default `batch_processor`); counters are per batch, not per item, where
/// the figure allows, to keep the hot path cheap.
struct BatchMetrics: Sendable {
    let succeeded: Counter
    let failedRejected: Counter
    let failedTimedOut: Counter
    let failedCancelled: Counter
    let failedProcessing: Counter
    let failedShutdown: Counter
    let resultCountMismatches: Counter
    let rows: Counter
    let batches: [DispatchReason: Counter]
    let queueDepth: Gauge
    let activeBatches: Gauge
    let targetBatchSize: Gauge
    let queueTime: Metrics.Timer
    let serviceTime: Metrics.Timer
    let itemLatency: Metrics.Timer
    let batchSize: Recorder

    init(label: String) {
        succeeded = Counter(label: "\(label)_items_succeeded_total")
        func failed(_ reason: String) -> Counter {
            Counter(label: "\(label)_items_failed_total", dimensions: [("reason", reason)])
        }
        failedRejected = failed("rejected")
        failedTimedOut = failed("timed_out")
        failedCancelled = failed("cancelled")
        failedProcessing = failed("processing_error")
        failedShutdown = failed("shutdown")
        resultCountMismatches = Counter(label: "\(label)_result_count_mismatches_total")
        rows = Counter(label: "\(label)_rows_total")
        var batches: [DispatchReason: Counter] = [:]
        for reason in DispatchReason.allCases {
            batches[reason] = Counter(label: "\(label)_batches_total", dimensions: [("reason", reason.rawValue)])
        }
        self.batches = batches
        queueDepth = Gauge(label: "\(label)_queue_depth")
        activeBatches = Gauge(label: "\(label)_active_batches")
        targetBatchSize = Gauge(label: "\(label)_target_batch_size")
        queueTime = Metrics.Timer(label: "\(label)_queue_time")
        serviceTime = Metrics.Timer(label: "\(label)_batch_service_time")
        itemLatency = Metrics.Timer(label: "\(label)_item_latency")
        batchSize = Recorder(label: "\(label)_batch_size")
    }

    /// Counts one failed item under the reason its error code belongs to.
    func recordFailure(_ code: BatchProcessorError.Code) {
        switch code {
        case .timedOut: failedTimedOut.increment()
        case .cancelled: failedCancelled.increment()
        case .shuttingDown, .notStarted: failedShutdown.increment()
        case .processingFailed, .resultCountMismatch: failedProcessing.increment()
        default: failedRejected.increment()
        }
    }

    /// Counts one batch whose processing function returned the wrong number of results.
    func recordResultCountMismatch() {
        resultCountMismatches.increment()
    }

    /// Records one completed batch.
    func recordBatch(reason: DispatchReason, rows: Int, succeeded: Int, serviceTime: Duration) {
        batches[reason]?.increment()
        self.rows.increment(by: rows)
        self.succeeded.increment(by: succeeded)
        batchSize.record(rows)
        self.serviceTime.record(duration: serviceTime)
    }

    /// Records one successful item's queue time and latency.
    func recordItem(queueNanoseconds: Int64, latencyNanoseconds: Int64) {
        queueTime.recordNanoseconds(queueNanoseconds)
        itemLatency.recordNanoseconds(latencyNanoseconds)
    }

    /// Records the live gauges.
    func recordState(queueDepth depth: Int, activeBatches active: Int, target: Int) {
        queueDepth.record(depth)
        activeBatches.record(active)
        targetBatchSize.record(target)
    }
}
