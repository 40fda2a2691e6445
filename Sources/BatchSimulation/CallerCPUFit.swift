/// Fits ``SchedulingCosts/callerCPU``: the closed-loop callers' CPU per item that makes the simulated
/// throughput of greedy with `callers` closed-loop callers what the real processor measured.
///
/// Simulated throughput falls as the callers' CPU grows (they take the workers' cores), so a bisection
/// finds it. Seeded and deterministic; each step is one short simulated run.
public enum CallerCPUFit {
    /// The CPU per item, in seconds, within `tolerance` of the measured throughput or as near as the
    /// search range allows: 0 when even free callers simulate slower than measured (the table's other
    /// costs are too high for this run), `upper` when the callers would need more.
    public static func fit(
        table: CostTable, measuredPerSecond: Double, callers: Int = 64, upper: Double = 500e-6,
        tolerance: Double = 0.005, warmup: Double = 0.2, duration: Double = 0.5
    ) -> Double {
        func simulated(_ cpu: Double) -> Double {
            var candidate = table
            candidate.scheduling.callerCPU = cpu
            var configuration = SimulationConfiguration(
                table: candidate, setting: .greedy, workload: .closed(callers: callers, thinkSeconds: 0))
            configuration.sharedCores = true
            configuration.warmup = warmup
            configuration.duration = duration
            return Simulator.run(configuration).achievedPerSecond
        }
        guard measuredPerSecond > 0 else { return 0 }
        if simulated(0) <= measuredPerSecond { return 0 }
        if simulated(upper) >= measuredPerSecond { return upper }
        var (low, high) = (0.0, upper)
        for _ in 0..<30 {
            let middle = (low + high) / 2
            let rate = simulated(middle)
            if abs(rate / measuredPerSecond - 1) <= tolerance { return middle }
            if rate > measuredPerSecond { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }
}
