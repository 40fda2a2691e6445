import BatchKitCore

extension AdaptiveStatistics {
    /// Why reports cannot be pooled.
    public enum PoolError: Error, CustomStringConvertible {
        /// A report's point has no per-round p99s (written before `p99_rounds_ms` existed).
        case noRounds(report: Int, model: String)
        /// No report has an adaptive scenario for any model.
        case nothingToPool

        /// What went wrong, and the command that writes a report that pools.
        public var description: String {
            switch self {
            case .noRounds(let report, let model):
                return "report \(report) has no per-round p99s for \(model) (written before p99_rounds_ms); "
                    + "run `batchkit-bench --scenarios adaptive --json FILE` again to get them"
            case .nothingToPool:
                return
                    "no report has an adaptive scenario; write them with `batchkit-bench --scenarios adaptive --json FILE`"
            }
        }
    }

    /// One model's adaptive scenario from several reports taken together: every setting's rounds at every
    /// load side by side, as if one run had measured them all, and the verdicts judged on all of them.
    ///
    /// A point's p99 becomes the median of all its rounds (each report contributes every round it ran);
    /// its other figures, known only as each report's median, become the median of those medians
    /// weighted by the report's rounds. Saturation and the step are per run, not pooled: saturation takes
    /// the median of the reports' medians, and the step is the first report's.
    ///
    /// - Parameter reports: the model's scenario from each report, in the order given.
    /// - Throws: ``PoolError/noRounds(report:model:)`` when a report lacks the per-round p99s.
    public static func pooled(_ reports: [BenchReport.Adaptive], model: String) throws -> BenchReport.Adaptive {
        var keys: [String] = []
        var runs: [String: [BenchReport.AdaptivePoint]] = [:]
        for (index, report) in reports.enumerated() {
            for point in report.points {
                guard let rounds = point.p99RoundsMilliseconds, !rounds.isEmpty else {
                    throw PoolError.noRounds(report: index + 1, model: model)
                }
                let key = "\(point.load) \(point.setting)"
                if runs[key] == nil { keys.append(key) }
                for p99 in rounds {
                    var round = point
                    round.p99Milliseconds = p99
                    round.reruns = 0
                    runs[key, default: []].append(round)
                }
                // Reruns count once per report, not once per round.
                runs[key]![runs[key]!.count - 1].reruns = point.reruns
            }
        }
        let points = keys.map { median(runs[$0]!) }
        var settings: [String] = []
        var saturated: [String: [BenchReport.AdaptiveSaturation]] = [:]
        for report in reports {
            for point in report.saturation {
                if saturated[point.setting] == nil { settings.append(point.setting) }
                saturated[point.setting, default: []].append(point)
            }
        }
        let saturation = settings.map { setting -> BenchReport.AdaptiveSaturation in
            let each = saturated[setting]!
            var pooled = median(each)
            let ranges = each.flatMap(\.itemsPerSecondRange)
            if let low = ranges.min(), let high = ranges.max() { pooled.itemsPerSecondRange = [low, high] }
            pooled.rounds = each.map(\.rounds).reduce(0, +)
            return pooled
        }
        return BenchReport.Adaptive(
            points: points, saturation: saturation, step: reports[0].step, verdicts: verdicts(points))
    }

    /// Every report's own verdicts side by side, for one model: how far single runs disagree, which the
    /// pooled verdict does not show. Reads each report's ``BenchReport/Adaptive/verdicts``.
    ///
    /// Per load, the ratio of adaptive's p99 to the best fixed setting's in each report (in the order
    /// given) and in how many reports it was met or missed; then the range of adaptive's saturated
    /// throughput against the best fixed setting's, and in how many reports the step settled in time.
    public static func eachReport(_ reports: [BenchReport.Adaptive]) -> String {
        let judged = reports.map(\.verdicts)
        let loads = Array(Set(judged.flatMap { $0.map(\.load) })).sorted()
        var parts = loads.map { load -> String in
            let atLoad = judged.compactMap { report in report.first { $0.load == load } }
            let met = atLoad.filter { $0.outcome == .met }.count
            let missed = atLoad.filter { $0.outcome == .missed }.count
            return "\(Format.fixed(load * 100, 0)) %: "
                + atLoad.map { Format.fixed($0.ratio, 2) }.joined(separator: " ")
                + " (met in \(met), missed in \(missed) of \(atLoad.count))"
        }
        let saturated = reports.compactMap { saturatedRatio($0)?.ratio }
        if let low = saturated.min(), let high = saturated.max() {
            let (lowest, highest) = (Format.fixed(low * 100, 0), Format.fixed(high * 100, 0))
            parts.append("saturated \(lowest == highest ? lowest : "\(lowest)–\(highest)") % of the best fixed setting")
        }
        let settled = reports.compactMap(\.step.settleMilliseconds)
        let inTime = settled.filter { $0 <= settleTargetMilliseconds }.count
        parts.append(
            "step settled within \(Format.fixed(settleTargetMilliseconds / 1000, 0)) s in \(inTime) of \(reports.count)"
                + (settled.max().map { " (the slowest that settled: \(Format.fixed($0, 0)) ms)" } ?? ""))
        return parts.joined(separator: "; ")
    }
}
