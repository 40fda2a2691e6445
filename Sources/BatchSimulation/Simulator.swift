/// Runs the real scheduler state machine and adaptive controller on a virtual clock against a cost
/// table: seeded, so the same configuration always gives the same result, and fast — a simulated second
/// of 150 000 items takes well under a second of the host's time in a release build.
///
/// ```swift
/// var run = SimulationConfiguration(
///     table: table, setting: .adaptive, workload: .open(.poisson(rate: 80_000)))
/// run.duration = 2
/// let result = Simulator.run(run)
/// print(result.p99, result.achievedPerSecond)
/// ```
public enum Simulator {
    /// Simulates one run.
    public static func run(_ configuration: SimulationConfiguration) -> SimulationResult {
        var run = SimulationRun(configuration)
        return run.run()
    }
}
