/// How a traced target behaved: when it settled after a load step, and whether it oscillated.
///
/// The same definitions as `batchkit-bench`'s step (`AdaptiveStepLoad.settle`, which samples every
/// 10 ms and filters over 10): the target is median-filtered over `smoothing` samples (at the
/// simulator's 2 ms interval, 100 ms — the arrival-rate estimate's own time constant, so faster wobble
/// is Poisson noise in the estimate rather than a change of setting), and it has settled once it stays
/// within `tolerance` (or ±1 row) of its final value, the median of the last quarter.
public enum TargetTraceAnalysis {
    /// The median-filtered targets of `samples`.
    public static func smoothed(_ samples: [TargetSample], smoothing: Int = 50) -> [Int] {
        samples.indices.map { index in
            let window = samples[max(0, index - smoothing / 2)..<min(samples.count, index + smoothing / 2 + 1)]
            let sorted = window.map(\.target).sorted()
            return sorted[sorted.count / 2]
        }
    }

    /// Milliseconds after the step (time 0) until the smoothed target stays within `tolerance` of its
    /// final value, and that value; `nil` when it is still outside in the last quarter.
    public static func settle(
        _ samples: [TargetSample], tolerance: Double = 0.1, smoothing: Int = 50
    ) -> (milliseconds: Double?, final: Int) {
        let after = samples.filter { $0.milliseconds >= 0 }
        guard !after.isEmpty else { return (nil, 0) }
        let smooth = smoothed(after, smoothing: smoothing)
        let tail = smooth.suffix(max(1, smooth.count / 4)).sorted()
        let final = tail[tail.count / 2]
        let band = max(Double(final) * tolerance, 1)
        guard let outside = smooth.lastIndex(where: { abs(Double($0 - final)) > band }) else { return (0, final) }
        if outside >= smooth.count - tail.count { return (nil, final) }
        return (after[outside + 1].milliseconds, final)
    }

    /// The smoothed target's swing — its largest minus its smallest value — over the samples from
    /// `fromMilliseconds` on, and the median it swings around. A steady load should leave the target
    /// within a tenth of its median (or a row or two): a wider swing is the controller oscillating.
    public static func swing(
        _ samples: [TargetSample], fromMilliseconds: Double, smoothing: Int = 50
    ) -> (swing: Int, median: Int) {
        let smooth = smoothed(samples, smoothing: smoothing)
        let kept = zip(samples, smooth).filter { $0.0.milliseconds >= fromMilliseconds }.map(\.1)
        guard let low = kept.min(), let high = kept.max() else { return (0, 0) }
        return (high - low, kept.sorted()[kept.count / 2])
    }

    /// Whether a swing of `swing` rows around `median` counts as an oscillation: more than a quarter of
    /// the median and more than 2 rows.
    public static func oscillates(swing: Int, median: Int) -> Bool {
        Double(swing) > max(2, 0.25 * Double(median))
    }
}
