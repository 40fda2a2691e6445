public import BatchProcessing

/// What one simulated run measured, in the terms `batchkit-bench`'s open loop reports.
public struct SimulationResult: Sendable {
    /// The setting simulated.
    public var setting: BatchingSetting
    /// Items scheduled in the measured window, per second.
    public var offeredPerSecond: Double
    /// Items whose result was set in the measured window, per second.
    public var achievedPerSecond: Double
    /// Measured items completed.
    public var completed: Int
    /// Measured items refused (queue full) or failed.
    public var errors: Int
    /// Measured items still unfinished at the cut-off (their latency counts up to it: a lower bound).
    public var cutOff: Int
    /// Latency of every measured item, from its scheduled arrival to its result, in seconds, sorted; an
    /// item refused or failed counts as never answered (infinite), so a setting that sheds load cannot
    /// look fast by it.
    public var latencies: [Double]
    /// Batches that started in the measured window, and their rows.
    public var batches: Int
    public var rows: Int
    /// Batches that started in the measured window, by why they went out.
    public var batchesByReason: [DispatchReason: Int]
    /// The controller's target over time (adaptive runs with tracing on).
    public var trace: [TargetSample]
    /// The controller at the end of the run (adaptive only).
    public var controller: AdaptiveControllerSnapshot?
    /// Events the run processed (a measure of its cost).
    public var events: Int

    /// Mean rows per batch.
    public var meanBatch: Double { batches == 0 ? 0 : Double(rows) / Double(batches) }

    /// The `percentile`th latency in milliseconds (nearest rank), 0 when nothing was measured.
    public func milliseconds(atPercentile percentile: Double) -> Double {
        guard !latencies.isEmpty else { return 0 }
        let rank = Int((percentile / 100 * Double(latencies.count)).rounded(.up)) - 1
        return latencies[min(max(rank, 0), latencies.count - 1)] * 1e3
    }

    /// Median latency, ms.
    public var p50: Double { milliseconds(atPercentile: 50) }
    /// 99th-percentile latency, ms.
    public var p99: Double { milliseconds(atPercentile: 99) }
    /// 99.9th-percentile latency, ms.
    public var p999: Double { milliseconds(atPercentile: 99.9) }
}
