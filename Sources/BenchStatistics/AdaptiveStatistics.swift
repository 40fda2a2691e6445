import BatchKitCore
import DenseKernels

/// The pure statistics of the `adaptive` scenario: the order settings run in, the median of a point's
/// rounds, and the noise between halves of them. Verdicts, pooling and tables are in extensions.
public enum AdaptiveStatistics {
    /// The order the settings run in during `round`: a different shuffle every round (seeded, so runs
    /// repeat).
    ///
    /// Not a rotation: rotated, every setting always ran right after the same other setting, so whatever
    /// one run leaves behind (a processor being torn down, freed memory, a core's frequency) always
    /// landed on the same neighbour.
    public static func order(round: Int, count: Int) -> [Int] {
        var generator = SplitMix64(seed: 0xADA9_7000 &+ UInt64(round))
        return Array(0..<count).shuffled(using: &generator)
    }

    /// One point from several runs of it: the median of each figure, the p99 range, the median p99 of
    /// each half of the runs, the worst cut-off.
    ///
    /// Medians rather than percentiles over every run's items pooled: about one run in six here has a
    /// core stalled for 15–45 ms (with or without hypervisor steal), and a pooled p99 then follows that
    /// one run — measured, the two halves of one setting's pooled rounds differed 2–4×, their medians
    /// 1.1–1.9×.
    public static func median(_ runs: [BenchReport.AdaptivePoint]) -> BenchReport.AdaptivePoint {
        var point = runs[0]
        let p99 = Spread(runs.map(\.p99Milliseconds))
        point.achievedPerSecond = Spread(runs.map(\.achievedPerSecond)).median
        point.p50Milliseconds = Spread(runs.map(\.p50Milliseconds)).median
        point.p99Milliseconds = p99.median
        point.meanBatch = Spread(runs.map(\.meanBatch)).median
        point.cutOff = runs.map(\.cutOff).max() ?? 0
        point.p99RangeMilliseconds = [p99.min, p99.max]
        point.p99RoundsMilliseconds = runs.map(\.p99Milliseconds)
        if runs.count > 1 {
            let odd = runs.enumerated().filter { $0.offset % 2 == 0 }.map(\.element.p99Milliseconds)
            let even = runs.enumerated().filter { $0.offset % 2 == 1 }.map(\.element.p99Milliseconds)
            point.p99HalvesMilliseconds = [Spread(odd).median, Spread(even).median]
        }
        point.rounds = runs.count
        point.stealPercent = runs.compactMap(\.stealPercent).max()
        let cpu = runs.compactMap(\.cpuMicrosecondsPerItem)
        point.cpuMicrosecondsPerItem = cpu.isEmpty ? nil : Spread(cpu).median
        point.reruns = runs.map(\.reruns).reduce(0, +)
        return point
    }

    /// One setting's saturated throughput from several runs of it: medians and the throughput's range.
    public static func median(_ runs: [BenchReport.AdaptiveSaturation]) -> BenchReport.AdaptiveSaturation {
        var saturated = runs[0]
        let throughput = Spread(runs.map(\.itemsPerSecond))
        saturated.itemsPerSecond = throughput.median
        saturated.itemsPerSecondRange = [throughput.min, throughput.max]
        saturated.meanBatch = Spread(runs.map(\.meanBatch)).median
        saturated.rounds = runs.count
        return saturated
    }

    /// The loads measured, in order.
    public static func loads(_ points: [BenchReport.AdaptivePoint]) -> [Double] {
        Array(Set(points.map(\.load))).sorted()
    }

    /// How far apart the p99s of the two halves of a setting's rounds are at one load (larger over
    /// smaller), the median over the settings that kept up: the noise a comparison of p99s is up against.
    public static func repeatSpread(_ points: [BenchReport.AdaptivePoint]) -> Double? {
        let ratios = points.compactMap { point -> Double? in
            guard point.cutOff == 0, point.p99HalvesMilliseconds.count == 2,
                let low = point.p99HalvesMilliseconds.min(), let high = point.p99HalvesMilliseconds.max(), low > 0
            else { return nil }
            return high / low
        }
        return ratios.isEmpty ? nil : Spread(ratios).median
    }
}
