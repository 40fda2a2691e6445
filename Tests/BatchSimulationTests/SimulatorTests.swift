import BatchProcessing
import BatchSimulation
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The simulator on its own: deterministic, conserving items, and exact where the answer is known.
///
/// Serialized, and every run off the cooperative pool (``offPool(_:)``): several simulations at once
/// would take both cores of a 2-core machine from the timing-sensitive tests beside them.
@Suite(.serialized) struct SimulatorTests {
    /// A CPU-like table: 20 µs + 2 µs per row, 3 µs per item and 5 µs per batch of scheduling.
    static let table = CostTable.linear(
        model: "synthetic", fixed: 20e-6, perRow: 2e-6,
        scheduling: SchedulingCosts(
            perBatch: 5e-6, perItem: 3e-6, workerWake: 20e-6, timerWake: 50e-6, submitQuantum: 50e-6,
            generatorWake: 5e-6, callerResume: 20e-6),
        noise: NoiseModel(jitter: 0.1, stallsPerSecond: 2, stallMeanSeconds: 2e-3, stallThreshold: 250e-6))

    static func run(
        _ setting: BatchingSetting, rate: Double, table: CostTable = table, seed: UInt64 = 7, duration: Double = 0.2
    ) async -> SimulationResult {
        var configuration = SimulationConfiguration(
            table: table, setting: setting, workload: .open(.poisson(rate: rate)))
        configuration.warmup = 0.05
        configuration.duration = duration
        configuration.seed = seed
        let run = configuration
        return await offPool { Simulator.run(run) }
    }

    @Test func theSameSeedGivesTheSameRun() async {
        for setting in [BatchingSetting.adaptive, .greedy, .fixed(8)] {
            let first = await Self.run(setting, rate: 40_000)
            let second = await Self.run(setting, rate: 40_000)
            #expect(first.latencies == second.latencies, "\(setting)")
            #expect(first.batches == second.batches)
            #expect(first.events == second.events)
        }
        let other = await Self.run(.adaptive, rate: 40_000, seed: 8)
        let first = await Self.run(.adaptive, rate: 40_000)
        #expect(other.latencies != first.latencies)
    }

    @Test func pooledRunsKeepEveryItemAndAverageTheRates() async {
        let first = await Self.run(.adaptive, rate: 40_000)
        let second = await Self.run(.adaptive, rate: 40_000, seed: 8)
        let pooled = SimulationResult.pooled([first, second])
        #expect(pooled.latencies == (first.latencies + second.latencies).sorted())
        #expect(pooled.completed == first.completed + second.completed)
        #expect(pooled.batches == first.batches + second.batches)
        #expect(pooled.rows == first.rows + second.rows)
        #expect(abs(pooled.achievedPerSecond - (first.achievedPerSecond + second.achievedPerSecond) / 2) < 1e-6)
        #expect(pooled.batchesByReason.values.reduce(0, +) == pooled.batches)
        #expect(pooled.p99 >= min(first.p99, second.p99) && pooled.p99 <= max(first.p99, second.p99))
    }

    @Test func everyMeasuredItemIsAccountedFor() async {
        for setting in [BatchingSetting.adaptive, .greedy, .fixed(1), .fixed(64)] {
            let result = await Self.run(setting, rate: 60_000)
            let measured = Int((result.offeredPerSecond * 0.2).rounded())
            #expect(result.completed + result.cutOff + result.errors == measured, "\(setting)")
            #expect(result.latencies.count == result.completed + result.cutOff + result.errors)
        }
    }

    @Test func poissonArrivalsComeAtTheirRate() async {
        let result = await Self.run(.greedy, rate: 50_000, duration: 1)
        #expect(abs(result.offeredPerSecond / 50_000 - 1) < 0.02)
        #expect(abs(result.achievedPerSecond / 50_000 - 1) < 0.03)
    }

    /// Without noise, costs or wake-up delays, a lone item on an idle processor takes exactly `t(1)`.
    @Test func aLoneItemTakesExactlyItsKernelTime() async {
        var table = Self.table
        table.scheduling = .zero
        table.noise = .none
        for setting in [BatchingSetting.adaptive, .greedy, .fixed(1)] {
            let result = await Self.run(setting, rate: 50, table: table, duration: 2)
            #expect(abs(result.p50 - table.kernelTime(rows: 1) * 1e3) < 1e-6, "\(setting): \(result.p50) ms")
        }
        // A fixed size that never fills waits its 2 ms timeout, which the timer notices on time here.
        let fixed = await Self.run(.fixed(8), rate: 50, table: table, duration: 2)
        #expect(abs(fixed.p50 - 2 - table.kernelTime(rows: 1) * 1e3) < 1e-3, "\(fixed.p50) ms")
    }

    static func closedLoop(_ setting: BatchingSetting, table: CostTable, callers: Int = 64) async -> SimulationResult {
        var configuration = SimulationConfiguration(
            table: table, setting: setting, workload: .closed(callers: callers, thinkSeconds: 0))
        configuration.warmup = 0.05
        configuration.duration = 0.2
        configuration.noise = false
        let run = configuration
        return await offPool { Simulator.run(run) }
    }

    /// Closed-loop callers come back as the worker reaches their items, not all at the instant the batch
    /// ends: greedy then keeps both workers busy with part of the callers each, rather than handing every
    /// round whole to the first worker awake.
    @Test func closedLoopCallersComeBackOneByOne() async {
        var table = Self.table
        table.noise = .none
        let result = await Self.closedLoop(.greedy, table: table)
        // 64 callers on two workers: were they all to come back at once, every batch would hold 64 rows.
        #expect(result.meanBatch < 48, "mean batch \(result.meanBatch)")
        #expect(result.meanBatch > 8, "mean batch \(result.meanBatch)")
        // Both workers compute: more than one round's worth of the single-worker rate.
        let oneWorker = table.throughput(batch: Int(result.meanBatch.rounded()), workers: 1)
        #expect(result.achievedPerSecond > 1.2 * oneWorker, "\(result.achievedPerSecond) against \(oneWorker)")
    }

    /// What closed-loop callers take per item slows closed loops only, and a table written before the field
    /// existed still reads (as 0).
    @Test func closedLoopCostIsChargedToClosedLoopsOnly() async throws {
        var table = Self.table
        table.noise = .none
        var dearer = table
        dearer.scheduling.closedLoopPerItem = 10e-6
        let closedCheap = await Self.closedLoop(.fixed(16), table: table)
        let closedDear = await Self.closedLoop(.fixed(16), table: dearer)
        // Full batches of 16 rows: 5 + 52 µs + 16 × 3 µs a batch, and 16 × 10 µs more for closed loops.
        let ratio = closedCheap.achievedPerSecond / closedDear.achievedPerSecond
        #expect(abs(ratio - (105.0 + 160) / 105) < 0.05, "\(ratio)")
        let openCheap = await Self.run(.fixed(16), rate: 100_000, table: table)
        let openDear = await Self.run(.fixed(16), rate: 100_000, table: dearer)
        #expect(openCheap.latencies == openDear.latencies)

        let file = CostTableFile(machine: "test", measuredAt: "now", tables: [table])
        let json = String(decoding: try file.encoded(), as: UTF8.self)
        #expect(!json.contains("closedLoopPerItem"))
        let read = try CostTableFile.decode(Data(json.utf8))
        #expect(read.tables.first?.scheduling.closedLoopPerItem == nil)
    }

    @Test func aSettingThatCannotKeepUpIsCutOff() async {
        let capacity = Self.table.throughput(batch: 1, workers: 2)
        let result = await Self.run(.fixed(1), rate: 3 * capacity)
        #expect(result.cutOff > 0)
        #expect(result.achievedPerSecond < 1.05 * capacity)
    }

    @Test func theCostTableInterpolatesAndExtrapolates() {
        let table = CostTable(
            model: "t", shape: "", rowCap: 512,
            kernel: [
                KernelPoint(rows: 1, seconds: 10e-6), KernelPoint(rows: 16, seconds: 40e-6),
                KernelPoint(rows: 256, seconds: 520e-6),
            ],
            scheduling: .zero, noise: .none, workers: 2)
        #expect(abs(table.kernelTime(rows: 8) - (10e-6 + 7.0 / 15 * 30e-6)) < 1e-12)
        #expect(abs(table.kernelTime(rows: 512) - (520e-6 + 256 * 2e-6)) < 1e-12)
    }

    @Test func noiseIsFittedBackFromItsOwnDraws() async {
        let truth = NoiseModel(jitter: 0.08, stallsPerSecond: 20, stallMeanSeconds: 3e-3, stallThreshold: 250e-6)
        var random = SimulationRandom(seed: 3)
        let samples = (0..<200_000).map { _ in (seconds: truth.draw(median: 100e-6, using: &random), median: 100e-6) }
        let fitted = NoiseModel.fit(samples, threshold: 250e-6)
        #expect(abs(fitted.jitter / truth.jitter - 1) < 0.1, "\(fitted)")
        #expect(abs(fitted.stallsPerSecond / truth.stallsPerSecond - 1) < 0.15, "\(fitted)")
        #expect(abs(fitted.stallMeanSeconds / truth.stallMeanSeconds - 1) < 0.1, "\(fitted)")
    }

    @Test func aStepChangesTheRateAtItsTime() async {
        var configuration = SimulationConfiguration(
            table: Self.table, setting: .adaptive, workload: .open(.step(from: 10_000, to: 60_000, at: 0.5)))
        configuration.warmup = 0.1
        configuration.duration = 0.8
        configuration.traceEvery = 0.002
        configuration.traceOrigin = 0.5
        let run = configuration
        let result = await offPool { Simulator.run(run) }
        // 0.4 s at 10 k and 0.4 s at 60 k items/s.
        #expect(abs(result.offeredPerSecond / 35_000 - 1) < 0.05)
        #expect(result.trace.first!.milliseconds < -390)
        #expect(result.trace.last!.milliseconds > 290)
    }
}
