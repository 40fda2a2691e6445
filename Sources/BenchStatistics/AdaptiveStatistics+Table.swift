import BatchKitCore

extension AdaptiveStatistics {
    /// The scenario's tables: latency per setting and load, saturation, and the step, per model.
    ///
    /// `stepSource` names where the step came from when it is not this run's (pooled reports).
    public static func table(_ results: [(String, BenchReport.Adaptive)], stepSource: String? = nil) -> [String] {
        var lines: [String] = []
        for (name, result) in results {
            let settings = result.saturation.map(\.setting)
            var header = Format.left("  \(name)", 14) + Format.right("sat/s", 9)
            for load in loads(result.points) {
                header +=
                    Format.right("\(Format.fixed(load * 100, 0)) %: ach/s", 15) + Format.right("p50", 8)
                    + Format.right("p99", 9)
            }
            lines.append(header)
            for setting in settings {
                var line = Format.left("  " + setting, 14)
                let saturated = result.saturation.first { $0.setting == setting }
                line += Format.right(saturated.map { Format.rate($0.itemsPerSecond) } ?? "-", 9)
                for load in loads(result.points) {
                    guard let point = result.points.first(where: { $0.setting == setting && $0.load == load }) else {
                        line += Format.right("-", 32)
                        continue
                    }
                    line +=
                        Format.right(Format.rate(point.achievedPerSecond), 15)
                        + Format.right(Format.fixed(point.p50Milliseconds, 2), 8)
                        + Format.right((point.cutOff > 0 ? ">" : "") + Format.fixed(point.p99Milliseconds, 2), 9)
                }
                lines.append(line)
            }
            lines.append(verdict(result))
            let step = result.step
            lines.append(
                "  step \(Format.fixed(step.loadBefore * 100, 0)) → \(Format.fixed(step.loadAfter * 100, 0)) % "
                    + "(adaptive\(stepSource.map { ", \($0)" } ?? "")): target \(step.targetBefore) → "
                    + "\(step.targetAfter), settle "
                    + (step.settleMilliseconds.map { "\(Format.fixed($0, 0)) ms" } ?? "not settled")
                    + " (target within 10 % of final; within 25 %: "
                    + (step.settleWithin25PercentMilliseconds.map { "\(Format.fixed($0, 0)) ms" } ?? "not settled")
                    + "), p99 before \(Format.fixed(step.p99BeforeMilliseconds, 3)) ms, "
                    + "after \(Format.fixed(step.p99AfterMilliseconds, 3)) ms")
            lines.append("")
        }
        return lines.dropLast()
    }
}
