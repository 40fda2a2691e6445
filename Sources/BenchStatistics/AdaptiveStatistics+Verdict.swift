import BatchKitCore
import DenseKernels

extension AdaptiveStatistics {
    /// The largest ratio of adaptive's p99 to the best fixed setting's that meets the target.
    public static let p99Target = 1.10

    /// The smallest fraction of the best fixed setting's saturated throughput that meets the target.
    public static let saturationTarget = 0.95

    /// The longest the controller's target may take to settle after the load step.
    public static let settleTargetMilliseconds = 1000.0

    /// Resamples behind each verdict's interval.
    public static let resamples = 2000

    /// Adaptive's p99 against the best fixed setting's at every load, each with a bootstrap interval.
    ///
    /// A point estimate alone cannot judge a 10 % target here: the two halves of one setting's rounds
    /// differ by 1.1–2.5×, and the best of five noisy fixed settings is the luckiest of them. So each
    /// setting's rounds are resampled with replacement, the medians and the best fixed setting taken
    /// again, and the ratio's 5th–95th percentiles decide: met if the whole interval is within the
    /// target, missed if it is all beyond it, unresolved otherwise. Settings are resampled independently:
    /// a round's settings run seconds apart, in a shuffled order, so a round is not a shared condition
    /// to pair on. Seeded, so one report always gives the same verdicts.
    public static func verdicts(_ points: [BenchReport.AdaptivePoint]) -> [BenchReport.AdaptiveVerdict] {
        var verdicts: [BenchReport.AdaptiveVerdict] = []
        for load in loads(points) {
            let atLoad = points.filter { $0.load == load }
            let fixed = atLoad.filter { $0.setting.hasPrefix("fixed") }
            guard let adaptive = atLoad.first(where: { $0.setting == "adaptive" }),
                let best = fixed.min(by: { $0.p99Milliseconds < $1.p99Milliseconds })
            else { continue }
            let ratio = adaptive.p99Milliseconds / best.p99Milliseconds
            var generator = SplitMix64(seed: 0x5EED_0000 &+ UInt64(load * 1000))
            var ratios: [Double] = []
            ratios.reserveCapacity(resamples)
            for _ in 0..<resamples {
                let bestFixed = fixed.map { resampledMedian($0, using: &generator) }.min()!
                ratios.append(resampledMedian(adaptive, using: &generator) / bestFixed)
            }
            ratios.sort()
            let interval = [ratios[resamples / 20], ratios[resamples - 1 - resamples / 20]]
            let outcome: BenchReport.AdaptiveVerdict.Outcome =
                interval[1] <= p99Target ? .met : interval[0] > p99Target ? .missed : .unresolved
            verdicts.append(
                BenchReport.AdaptiveVerdict(
                    load: load, bestFixed: best.setting, ratio: ratio, ratioInterval: interval, outcome: outcome))
        }
        return verdicts
    }

    /// The median p99 of one resample of a point's rounds (its median p99 when the rounds are not known).
    private static func resampledMedian(
        _ point: BenchReport.AdaptivePoint,
        using generator: inout SplitMix64
    ) -> Double {
        guard let rounds = point.p99RoundsMilliseconds, !rounds.isEmpty else { return point.p99Milliseconds }
        return Spread(rounds.indices.map { _ in rounds[Int.random(in: rounds.indices, using: &generator)] }).median
    }

    /// The targets, as a report line rather than tests: adaptive's p99 against the best fixed setting
    /// per load, and its saturated throughput against the best fixed setting's.
    public static func verdict(_ result: BenchReport.Adaptive) -> String {
        var parts: [String] = []
        for verdict in result.verdicts {
            let atLoad = result.points.filter { $0.load == verdict.load }
            let outcome: String
            switch verdict.outcome {
            case .met: outcome = ""
            case .missed: outcome = " MISS"
            case .unresolved: outcome = " unresolved"
            }
            parts.append(
                "\(Format.fixed(verdict.load * 100, 0)) %: \(Format.fixed(verdict.ratio, 2))× \(verdict.bestFixed) "
                    + "[\(Format.fixed(verdict.ratioInterval[0], 2))–\(Format.fixed(verdict.ratioInterval[1], 2))]"
                    + outcome + (repeatSpread(atLoad).map { " (halves \(Format.fixed($0, 2))×)" } ?? ""))
        }
        if let (ratio, best) = saturatedRatio(result) {
            parts.append(
                "saturated \(Format.fixed(ratio * 100, 0)) % of \(best)"
                    + (ratio >= saturationTarget ? "" : " MISS"))
        }
        let rounds = result.points.map(\.rounds).max() ?? 1
        return "  adaptive p99 / best fixed p99 (target ≤ \(Format.fixed(p99Target, 2))"
            + (rounds > 1
                ? "; medians of \(rounds) interleaved rounds; [90 % bootstrap interval]: MISS or unresolved where "
                    + "it is beyond or spans the target; halves: how far the medians of the two halves of one "
                    + "setting's rounds differ, median over settings"
                : "") + "): " + parts.joined(separator: ", ")
    }

    /// Adaptive's saturated throughput as a fraction of the best fixed setting's, and that setting; `nil`
    /// when the scenario has no saturation run of adaptive or of any fixed setting.
    public static func saturatedRatio(_ result: BenchReport.Adaptive) -> (ratio: Double, best: String)? {
        guard let adaptive = result.saturation.first(where: { $0.setting == "adaptive" }),
            let best = result.saturation.filter({ $0.setting.hasPrefix("fixed") }).max(by: {
                $0.itemsPerSecond < $1.itemsPerSecond
            })
        else { return nil }
        return (adaptive.itemsPerSecond / best.itemsPerSecond, best.setting)
    }
}
