import Histogram
import Locking

/// Thread-safe statistics over a window of recent batches, usable on its own in any pipeline.
///
/// What each figure means:
/// - averages (processing time, batch size, queue time) are over the last `windowSize` batches;
/// - latency percentiles are **per item** (arrival to result), from an HdrHistogram covering between
///   `windowSize` and `2 × windowSize` recent batches (two histograms rotate, so old figures age out),
///   each within 1 % of the exact value;
/// - batch sizes are in rows (a k-row item counts k); their largest value and percentiles (nearest
///   rank) are over the last `windowSize` batches;
/// - throughput is the items of the windowed batches divided by the wall-clock time from the start of
///   the oldest of them to now, so it falls when the processor goes idle;
/// - system load is the busy fraction of `parallelism` workers over the same span (0…1);
/// - error rate is failed items over all finished items since creation (or ``reset()``).
///
/// Each batch is recorded once; idle time is never recorded as a batch.
public final class BatchStats: Sendable {
    /// One batch, in whole nanoseconds: durations and instants are another module's types, and summed
    /// over the window for every snapshot they cost a call each.
    private struct Record {
        var processingNanoseconds: Int64
        var batchSize: Int
        var items: Int
        var queueNanoseconds: Int64
        /// Since ``BatchStats/origin``.
        var startNanoseconds: Int64
    }

    private struct State {
        var ring: [Record] = []
        var next = 0
        var current = BatchStats.latencyHistogram()
        var previous = BatchStats.latencyHistogram()
        var batchesInCurrent = 0
        var items = 0
        var errors = 0
        var batches = 0
        var errorsByCode: [String: Int] = [:]
        var batchesByReason: [DispatchReason: Int] = [:]
    }

    /// An empty latency histogram, in microseconds: two significant digits (each percentile within
    /// 1 %), covering a minute and growing when a latency goes beyond it.
    ///
    /// At three digits and an hour a histogram took 188 KB: every snapshot copied and merged two of
    /// them under the lock each batch's recording takes, and every `windowSize` batches one was zeroed
    /// on a worker's path. At two digits and a minute it is 20 KB.
    private static func latencyHistogram() -> Histogram<UInt64> {
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .two)
        histogram.autoResize = true
        return histogram
    }

    /// The number of batches the window holds.
    public let windowSize: Int
    /// The number of workers that process batches in parallel (for ``BatchStatsSnapshot/systemLoad``).
    public let parallelism: Int
    private let state: Locked<State>
    /// When the window was created, in ``MonotonicClock`` nanoseconds: records' start times count
    /// from here.
    private let origin = MonotonicClock.nanoseconds()

    /// Creates an empty window of `windowSize` batches for `parallelism` concurrent workers.
    public init(windowSize: Int, parallelism: Int = 1) {
        precondition(windowSize >= 1 && parallelism >= 1, "window and parallelism must be positive")
        self.windowSize = windowSize
        self.parallelism = parallelism
        var initial = State()
        initial.ring.reserveCapacity(windowSize)
        state = Locked(initial)
    }

    /// Records one batch: its processing time, size, mean queue time and mean latency, which goes into
    /// the percentiles as one value per item. `queueLength` is taken as the original's `update` takes
    /// it; no figure of the window derives from it.
    public func update(
        processingTime: Duration,
        batchSize: Int,
        queueTime: Duration,
        latency: Duration = .zero,
        queueLength: Int = 0
    ) {
        record(
            processingNanoseconds: processingTime.wholeNanoseconds, batchSize: batchSize, items: batchSize,
            queueNanoseconds: queueTime.wholeNanoseconds, reason: nil
        ) { record in
            let microseconds = latency.microseconds
            for _ in 0..<batchSize { record(microseconds) }
        }
    }

    /// Records `count` failed items.
    public func recordError(count: Int = 1) {
        recordErrors(code: "error", count: count)
    }

    /// Records `count` failed items of a kind (for the per-kind counters).
    func recordErrors(code: String, count: Int) {
        guard count > 0 else { return }
        state.withLock { state in
            state.errors += count
            state.errorsByCode[code, default: 0] += count
        }
    }

    /// Records one batch, its times in whole nanoseconds (the scheduler's own unit); `latencies` feeds
    /// each item's latency, in whole microseconds, to the closure it is given.
    func record(
        processingNanoseconds: Int64,
        batchSize: Int,
        items: Int,
        queueNanoseconds: Int64,
        reason: DispatchReason?,
        latencies: ((Int64) -> Void) -> Void
    ) {
        let entry = Record(
            processingNanoseconds: processingNanoseconds, batchSize: batchSize, items: items,
            queueNanoseconds: queueNanoseconds,
            startNanoseconds: MonotonicClock.nanoseconds() &- origin &- processingNanoseconds)
        state.withLock { state in
            if state.ring.count < windowSize {
                state.ring.append(entry)
            } else {
                state.ring[state.next] = entry
            }
            state.next = (state.next + 1) % windowSize
            if state.batchesInCurrent >= windowSize {
                swap(&state.current, &state.previous)
                state.current.reset()
                state.batchesInCurrent = 0
            }
            state.batchesInCurrent += 1
            state.items += items
            state.batches += 1
            if let reason { state.batchesByReason[reason, default: 0] += 1 }
            latencies { microseconds in
                _ = state.current.record(UInt64(max(microseconds, 0)))
            }
        }
    }

    /// The figures of the current window.
    public func snapshot() -> BatchStatsSnapshot {
        let now = MonotonicClock.nanoseconds() &- origin
        var sizes: [Int] = []
        var latencies: Histogram<UInt64>?
        var snapshot: BatchStatsSnapshot = state.withLock { state in
            var snapshot = BatchStatsSnapshot()
            snapshot.totalItems = state.items
            snapshot.totalErrors = state.errors
            snapshot.totalBatches = state.batches
            snapshot.errorsByCode = state.errorsByCode
            snapshot.batchesByReason = state.batchesByReason
            let finished = state.items + state.errors
            snapshot.errorRate = finished == 0 ? 0 : Double(state.errors) / Double(finished)
            guard !state.ring.isEmpty else { return snapshot }
            let count = Double(state.ring.count)
            var processing: Int64 = 0
            var queueing: Int64 = 0
            var items = 0
            var rows = 0
            var earliest = state.ring[0].startNanoseconds
            sizes.reserveCapacity(state.ring.count)
            for record in state.ring {
                sizes.append(record.batchSize)
                processing &+= record.processingNanoseconds
                queueing &+= record.queueNanoseconds
                items += record.items
                rows += record.batchSize
                earliest = min(earliest, record.startNanoseconds)
            }
            snapshot.windowBatches = state.ring.count
            snapshot.avgProcessingTime = .nanoseconds(Int64((Double(processing) / count).rounded()))
            snapshot.avgQueueTime = .nanoseconds(Int64((Double(queueing) / count).rounded()))
            snapshot.avgBatchSize = Double(rows) / count
            let span = Double(now - earliest) * 1e-9
            if span > 0 {
                snapshot.throughput = Double(items) / span
                snapshot.systemLoad = min(1, Double(processing) * 1e-9 / (span * Double(parallelism)))
            }
            // Merged here, read outside: recording waits for this lock, and a percentile walks the buckets.
            var merged = state.current
            if state.previous.totalCount > 0 { merged.add(state.previous) }
            if merged.totalCount > 0 { latencies = merged }
            return snapshot
        }
        if let latencies {
            snapshot.p50Latency = .microseconds(latencies.valueAtPercentile(50))
            snapshot.p95Latency = .microseconds(latencies.valueAtPercentile(95))
            snapshot.p99Latency = .microseconds(latencies.valueAtPercentile(99))
        }
        // Sorted outside the lock: a window may hold up to a million batches, and recording must not wait.
        guard !sizes.isEmpty else { return snapshot }
        sizes.sort()
        func percentile(_ p: Int) -> Int { sizes[max((sizes.count * p + 99) / 100, 1) - 1] }
        snapshot.largestBatchSize = sizes[sizes.count - 1]
        snapshot.p50BatchSize = percentile(50)
        snapshot.p90BatchSize = percentile(90)
        snapshot.p99BatchSize = percentile(99)
        return snapshot
    }

    /// Forgets everything recorded.
    public func reset() {
        state.withLock { state in
            let current = state.current
            state = State()
            state.ring.reserveCapacity(windowSize)
            state.current = current
            state.current.reset()
            state.previous = current
            state.previous.reset()
        }
    }
}
