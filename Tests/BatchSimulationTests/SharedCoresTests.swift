import BatchProcessing
import BatchSimulation
import Testing

/// Closed-loop callers on the cores the workers compute on: the callers' CPU bounds what they can
/// submit, workers slow down while callers run, and the fit recovers a known caller cost.
@Suite(.serialized) struct SharedCoresTests {
    /// A cheap kernel and no scheduling costs or noise, so the callers' CPU decides the throughput.
    static func table(callerCPU: Double?, preemptAfter: Double? = nil, fixed: Double = 1e-6) -> CostTable {
        var table = CostTable.linear(
            model: "synthetic", fixed: fixed, perRow: 0.1e-6,
            scheduling: SchedulingCosts(
                perBatch: 0, perItem: 0, workerWake: 5e-6, timerWake: 5e-6, submitQuantum: 50e-6,
                generatorWake: 5e-6, callerResume: 5e-6))
        table.scheduling.callerCPU = callerCPU
        table.scheduling.callerPreemptAfter = preemptAfter
        return table
    }

    static func closed(
        _ table: CostTable, _ setting: BatchingSetting = .greedy, shared: Bool = true, seed: UInt64 = 3
    ) async -> SimulationResult {
        var configuration = SimulationConfiguration(
            table: table, setting: setting, workload: .closed(callers: 64, thinkSeconds: 0))
        configuration.warmup = 0.02
        configuration.duration = 0.05
        configuration.noise = false
        configuration.sharedCores = shared
        configuration.seed = seed
        let run = configuration
        return await offPool { Simulator.run(run) }
    }

    @Test func callersOnSharedCoresAreBoundByTheCores() async {
        // Two cores, 100 µs of caller CPU an item: at most 20 000 items a second, whatever the workers do.
        let shared = await Self.closed(Self.table(callerCPU: 100e-6))
        #expect(shared.achievedPerSecond <= 20_000 * 1.03)
        #expect(shared.achievedPerSecond >= 20_000 * 0.9)
        // The same table without shared cores charges the callers nothing beyond their resumption.
        let apart = await Self.closed(Self.table(callerCPU: 100e-6), shared: false)
        #expect(apart.achievedPerSecond > 5 * shared.achievedPerSecond)
    }

    @Test func callersThatWaitForACoreAreStillAllAnswered() async {
        // 1 ms batches keep both cores busy: callers either take a worker's core at once (stretching its
        // batch) or wait up to 0.5 ms for one. Either way every caller is answered and resubmits.
        let preempting = await Self.closed(Self.table(callerCPU: 50e-6, fixed: 1e-3))
        let waiting = await Self.closed(Self.table(callerCPU: 50e-6, preemptAfter: 0.5e-3, fixed: 1e-3))
        for result in [preempting, waiting] {
            #expect(result.achievedPerSecond > 0)
            #expect(result.errors == 0)
            #expect(result.completed + result.cutOff == result.latencies.count)
        }
        #expect(waiting.latencies != preempting.latencies)
    }

    @Test func theSameSeedGivesTheSameSharedRun() async {
        let table = Self.table(callerCPU: 20e-6)
        for setting in [BatchingSetting.adaptive, .greedy, .fixed(8)] {
            let first = await Self.closed(table, setting)
            let second = await Self.closed(table, setting)
            #expect(first.latencies == second.latencies, "\(setting)")
            #expect(first.events == second.events)
        }
    }

    @Test func theFitRecoversTheCallersCPU() async {
        let known = 20e-6
        let measured = await Self.closed(Self.table(callerCPU: known)).achievedPerSecond
        let unknown = Self.table(callerCPU: nil)
        let fitted = await offPool {
            var table = unknown
            table.noise = .none
            return CallerCPUFit.fit(
                table: table, measuredPerSecond: measured, tolerance: 0.01, warmup: 0.02, duration: 0.05)
        }
        #expect(abs(fitted / known - 1) < 0.1, "fitted \(fitted * 1e6) µs")
        // Faster than free callers allow: nothing to fit, 0.
        let none = await offPool {
            CallerCPUFit.fit(table: unknown, measuredPerSecond: 1e12, warmup: 0.02, duration: 0.05)
        }
        #expect(none == 0)
    }
}
