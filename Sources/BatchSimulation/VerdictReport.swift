import BatchProcessing

/// The simulator's verdicts on one cost table: adaptive against greedy and every fixed size at every
/// load, under saturation, under bursts and through a load step, with the issue's targets checked.
public struct VerdictReport: Sendable {
    /// The table simulated.
    public var table: CostTable
    /// Items per second the loads are fractions of (greedy's closed-loop throughput with 64 callers, as
    /// `batchkit-bench`'s `processor` scenario measures capacity).
    public var capacity: Double
    /// Every setting at every load.
    public var loads: [SimulatedLoad]
    /// Every setting under the overload (its throughput is the saturated throughput).
    public var saturation: [SimulationResult]
    /// The offered overload, as a fraction of capacity.
    public var overload: Double
    /// Every setting under bursts, and the burst process.
    public var bursts: [SimulationResult]
    public var burstDescription: String
    /// Adaptive through the step.
    public var step: SimulatedStep
    /// Every setting with ``closedCallers`` closed-loop callers, on shared cores or not.
    public var closedLoop: [SimulationResult]
    public var closedCallers: Int
    public var sharedCores: Bool
    /// The targets, checked.
    public var checks: [VerdictCheck]
    /// Loads whose p50, p99.9 and mean batch the text shows too.
    public var detailLoads: [Double] = [0.8]

    /// Whether every target is met.
    public var allMet: Bool { checks.allSatisfy(\.met) }

    /// The checks that failed.
    public var misses: [VerdictCheck] { checks.filter { !$0.met } }

    /// The report as text: a p99 table by load and setting, the saturation, burst and step lines, and
    /// the checks.
    public func lines() -> [String] {
        var lines: [String] = []
        let settings = loads.first?.results.map(\.setting) ?? []
        func cell(_ text: String, _ width: Int) -> String {
            text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
        }
        func ms(_ value: Double) -> String {
            value.isFinite ? (value >= 100 ? "\(Int(value.rounded()))" : String(format3: value)) : "∞"
        }
        lines.append(
            "\(table.model) (\(table.shape)), \(table.workers) workers, row cap \(table.rowCap); capacity "
                + "\(Int(capacity.rounded())) items/s (greedy, 64 closed-loop callers)")
        lines.append("p99 ms by offered load (* = cut off: fell behind); best fixed marked, adaptive ÷ best fixed last")
        var header = cell("load", 6)
        for setting in settings { header += cell(setting.description, 10) }
        header += cell("adapt÷fix", 10) + cell("adapt÷greedy", 13)
        lines.append(header)
        for point in loads {
            var line = cell("\(Int((point.load * 100).rounded())) %", 6)
            let best = point.bestFixed?.setting
            for result in point.results {
                let mark = result.setting == best ? "←" : (result.cutOff > 0 ? "*" : "")
                line += cell(ms(result.p99) + mark, 10)
            }
            if let adaptive = point.result(.adaptive), let fixed = point.bestFixed, let greedy = point.result(.greedy) {
                line += cell(String(format3: adaptive.p99 / fixed.p99), 10)
                line += cell(String(format3: adaptive.p99 / greedy.p99), 13)
            }
            lines.append(line)
        }
        for point in loads where detailLoads.contains(where: { abs($0 - point.load) < 0.001 }) {
            var p50 = cell("p50", 6)
            var p999 = cell("p99.9", 6)
            for result in point.results {
                p50 += cell(ms(result.p50), 10)
                p999 += cell(ms(result.p999), 10)
            }
            lines.append("at \(Int((point.load * 100).rounded())) %:")
            var batch = cell("batch", 6)
            for result in point.results { batch += cell(String(format3: (result.meanBatch * 10).rounded() / 10), 10) }
            lines.append(p50)
            lines.append(p999)
            lines.append(batch)
        }
        var saturated = cell("sat/s", 6)
        for result in saturation { saturated += cell("\(Int((result.achievedPerSecond / 1000).rounded())) k", 10) }
        lines.append("saturated throughput at \(Int((overload * 100).rounded())) % offered:")
        lines.append(saturated)
        var batches = cell("batch", 6)
        for result in saturation { batches += cell(String(format3: (result.meanBatch * 10).rounded() / 10), 10) }
        lines.append(batches)
        if let adaptive = saturation.first(where: { $0.setting == .adaptive }) {
            lines.append("adaptive saturated: " + Self.describeBatches(adaptive))
        }
        if !closedLoop.isEmpty {
            let cpu =
                sharedCores
                ? table.scheduling.callerCPU.map { "\(String(format3: $0 * 1e6)) µs of CPU each on shared cores" } : nil
            lines.append(
                "\(closedCallers) closed-loop callers (\(cpu ?? "their cost charged to the workers")), items/s and mean batch "
                    + "(not a target: simulate-check finds real closed loops rank the settings otherwise):")
            var rate = cell("c/s", 6)
            var batch = cell("batch", 6)
            for result in closedLoop {
                rate += cell("\(String(format3: (result.achievedPerSecond / 100).rounded() / 10)) k", 10)
                batch += cell(String(format3: (result.meanBatch * 10).rounded() / 10), 10)
            }
            lines.append(rate)
            lines.append(batch)
            if let adaptive = closedLoop.first(where: { $0.setting == .adaptive }) {
                lines.append("adaptive closed-loop: " + Self.describeBatches(adaptive))
            }
        }
        var burst = cell("p99", 6)
        var burstMedian = cell("p50", 6)
        var burstBatch = cell("batch", 6)
        for result in bursts {
            burst += cell(ms(result.p99), 10)
            burstMedian += cell(ms(result.p50), 10)
            burstBatch += cell(String(format3: (result.meanBatch * 10).rounded() / 10), 10)
        }
        lines.append("bursts (\(burstDescription)), ms and mean batch:")
        lines.append(contentsOf: [burst, burstMedian, burstBatch])
        if let adaptive = bursts.first(where: { $0.setting == .adaptive }) {
            lines.append("adaptive under bursts: " + Self.describeBatches(adaptive))
        }
        lines.append(
            "step \(Int(step.from * 100)) → \(Int(step.to * 100)) %: target \(step.targetBefore) → \(step.targetAfter), settled "
                + (step.settleMilliseconds.map { "in \(Int($0.rounded())) ms" } ?? "never")
                + ", swing \(step.swing) around \(step.swingMedian) after; p99 \(ms(step.result.p99)) ms")
        lines.append("targets:")
        for check in checks { lines.append("  " + check.description) }
        lines.append(allMet ? "all targets met" : "\(misses.count) of \(checks.count) targets missed")
        return lines
    }

    /// A run's batches by reason, and where its controller ended.
    static func describeBatches(_ result: SimulationResult) -> String {
        "batches by reason "
            + result.batchesByReason.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }
            .joined(separator: ", ")
            + (result.controller.map { ", target \($0.target) (\($0.reason)), limit \($0.batchLimit)" } ?? "")
    }
}
