import ArgumentParser
import BatchKitCore
import BatchProcessing
import BatchSimulation
import BenchStatistics
import DenseKernels
import FoundationEssentials

/// `batchkit-bench simulate-check`: is the simulator honest? A few settings run for real and in
/// simulation at the same rates, with the same cost table, side by side.
struct SimulationCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate-check",
        abstract: "Run a few settings for real and in the simulator with the same cost table; compare.",
        discussion: """
            For each model: the settings given at the loads given (Poisson, the open loop of the adaptive \
            scenario) and at 130 % overload, and the `--closed` settings with 64 closed-loop callers, each \
            measured `--rounds` times on a fresh processor (median), and simulated with as many seeds \
            (median). Reports measured and predicted p50, p99 and throughput. Targets: throughput within 5 %, \
            p50 within 1.5×. Loads are fractions of the simulated capacity, \
            so both sides are offered the same items/s; that capacity is checked first against the real \
            processor's (greedy, 64 closed-loop callers, the same target). Run it on a quiet machine.
            """
    )

    @Option(name: .customLong("costs"), help: ArgumentHelp("The cost tables (JSON).", valueName: "file"))
    var costsPath = "Tests/BatchSimulationTests/Resources/costs.json"

    @Option(help: "Comma-separated models.")
    var models = DenseModel.builtInNames.joined(separator: ",")

    @Option(help: "Comma-separated settings (adaptive, greedy, fixed-N).")
    var settings = "adaptive,greedy,fixed-8,fixed-32"

    @Option(help: ArgumentHelp("Comma-separated loads in percent of capacity.", valueName: "percents"))
    var loads = "50,80"

    @Option(help: "Comma-separated settings whose saturated throughput is compared.")
    var saturated = "adaptive,greedy,fixed-32,fixed-256"

    @Option(help: "Comma-separated settings whose throughput with 64 closed-loop callers is compared.")
    var closed = "greedy,adaptive,fixed-8,fixed-32"

    @Flag(help: "Simulate closed-loop callers on cores shared with the workers (the table's callerCPU).")
    var sharedCores = false

    @Option(help: "Real runs (and simulated seeds) per point; the median is reported.")
    var rounds = 3

    @Option(help: "Measured seconds per run.")
    var duration = 1.0

    func run() async throws {
        let file = try CostTableFile.read(from: costsPath)
        BLAS.setThreadCount(1)
        let compared = try CommaList.split(settings).map(Self.setting)
        let saturatedSettings = try CommaList.split(saturated).map(Self.setting)
        let closedSettings = try CommaList.split(closed).map(Self.setting)
        let fractions = CommaList.split(loads).compactMap(Double.init).map { $0 / 100 }
        print(
            "simulate-check: cost tables \(costsPath) (\(file.machine), \(file.measuredAt)); this machine: "
                + CostTableCommand.machineDescription())
        let load = Console.loadAverage().map { Format.fixed($0, 2) }.joined(separator: " ")
        print("load average at the start: \(load)")
        if let recent = Console.loadAverage().first, recent > 1 {
            Console.progress(
                "warning: load average \(Format.fixed(recent, 2)): other work holds the cores the real runs need; the "
                    + "simulator models a machine whose cores are the processor's")
        }
        let ticks = Console.cpuTicks()
        var misses = 0
        for name in CommaList.split(models) {
            guard let table = file.table(for: name), let builtIn = DenseModel.builtIn(named: name) else {
                throw ValidationError("no cost table or built-in model named \(name)")
            }
            let model = builtIn.calibratedForSmallBatches()
            var scheduler = BenchCommand.benchDefaults
            scheduler.workers = table.workers
            scheduler.maxBatchSize = table.rowCap
            let measurement = CostTableMeasurement(
                scheduler: scheduler, secondsPerSize: 0, saturatedDuration: .seconds(duration))
            var suite = VerdictSuite(table: table)
            suite.sharedCores = sharedCores
            let capacityRun = suite.simulatedCapacityRun()
            let capacity = capacityRun.achievedPerSecond
            // The capacity the loads are fractions of, measured as well: a simulator that misplaces it
            // offers every load at the wrong fraction of what the processor can do.
            var closed: [ClosedLoop.Run] = []
            for _ in 0..<rounds {
                closed.append(try await measurement.closedLoop(model: model, callers: 64, duration: .seconds(duration)))
            }
            let realCapacity = WakeLatency.median(closed.map(\.itemsPerSecond))
            let capacityRatio = capacity / realCapacity
            let capacityMet = abs(capacityRatio - 1) <= 0.05
            if !capacityMet { misses += 1 }
            print(
                "\n\(name): capacity (greedy, 64 closed-loop callers) real \(Format.rate(realCapacity)) / simulated "
                    + "\(Format.rate(capacity)) items/s, ratio \(Format.fixed(capacityRatio, 3))\(capacityMet ? "" : "!"); "
                    + "batch real \(Format.fixed(WakeLatency.median(closed.map(\.meanBatch)), 1)) / simulated "
                    + "\(Format.fixed(capacityRun.meanBatch, 1)); loads below are fractions of the simulated"
            )
            if !closedSettings.isEmpty {
                let model =
                    sharedCores
                    ? table.scheduling.callerCPU.map { "callers' CPU \(Format.fixed($0 * 1e6, 2)) µs on shared cores" }
                    : nil
                print("  64 closed-loop callers (\(model ?? "callers' cost charged to the workers")):")
                print(
                    Format.left("  setting", 14) + Format.right("items/s real/sim", 20) + Format.right("ratio", 8)
                        + Format.right("batch real/sim", 16))
            }
            for setting in closedSettings {
                var real: [ClosedLoop.Run] = []
                for _ in 0..<rounds {
                    real.append(
                        try await measurement.closedLoop(
                            setting, model: model, callers: 64, duration: .seconds(duration)))
                }
                let simulated = (0..<rounds).map { round in
                    var configuration = SimulationConfiguration(
                        table: table, setting: setting, workload: .closed(callers: 64, thinkSeconds: 0))
                    configuration.duration = duration
                    configuration.seed = UInt64(round + 1)
                    configuration.sharedCores = sharedCores
                    return Simulator.run(configuration)
                }
                let measured = WakeLatency.median(real.map(\.itemsPerSecond))
                let predicted = WakeLatency.median(simulated.map(\.achievedPerSecond))
                let ratio = predicted / measured
                let met = abs(ratio - 1) <= 0.05
                if !met { misses += 1 }
                print(
                    Format.left("  \(setting)", 14)
                        + Format.right("\(Format.rate(measured)) / \(Format.rate(predicted))", 20)
                        + Format.right(Format.fixed(ratio, 3) + (met ? "" : "!"), 8)
                        + Format.right(
                            "\(Format.fixed(WakeLatency.median(real.map(\.meanBatch)), 1)) / "
                                + "\(Format.fixed(WakeLatency.median(simulated.map(\.meanBatch)), 1))", 16))
            }
            print(
                Format.left("  setting", 14) + Format.right("load", 6) + Format.right("p50 real/sim ms", 20)
                    + Format.right("ratio", 7) + Format.right("p99 real/sim ms", 20) + Format.right("ratio", 7)
                    + Format.right("items/s real/sim", 20) + Format.right("ratio", 8)
                    + Format.right("batch real/sim", 16))
            var points: [(BatchingSetting, Double)] = []
            for load in fractions { points += compared.map { ($0, load) } }
            points += saturatedSettings.map { ($0, AdaptiveBenchmark.overload) }
            for (setting, load) in points {
                let rate = load * capacity
                var real: [OpenLoop.Run] = []
                for _ in 0..<rounds {
                    real.append(
                        try await measurement.openLoop(
                            setting, model: model, rate: rate, warmup: .milliseconds(300), duration: .seconds(duration))
                    )
                }
                let simulated = (0..<rounds).map { round in
                    var configuration = SimulationConfiguration(
                        table: table, setting: setting, workload: .open(.poisson(rate: rate)))
                    configuration.duration = duration
                    configuration.seed = UInt64(round + 1)
                    return Simulator.run(configuration)
                }
                let measured = (
                    p50: WakeLatency.median(real.map { $0.latency.milliseconds(atPercentile: 50) }),
                    p99: WakeLatency.median(real.map { $0.latency.milliseconds(atPercentile: 99) }),
                    rate: WakeLatency.median(real.map(\.achievedPerSecond)),
                    batch: WakeLatency.median(real.map(\.meanBatch))
                )
                let predicted = (
                    p50: WakeLatency.median(simulated.map(\.p50)), p99: WakeLatency.median(simulated.map(\.p99)),
                    rate: WakeLatency.median(simulated.map(\.achievedPerSecond)),
                    batch: WakeLatency.median(simulated.map(\.meanBatch))
                )
                let rateRatio = predicted.rate / measured.rate
                let p50Ratio = predicted.p50 / measured.p50
                let rateMet = abs(rateRatio - 1) <= 0.05
                let p50Met = p50Ratio <= 1.5 && p50Ratio >= 1 / 1.5
                if !rateMet || !p50Met { misses += 1 }
                print(
                    Format.left("  \(setting)", 14) + Format.right("\(Int((load * 100).rounded())) %", 6)
                        + Format.right("\(Format.fixed(measured.p50, 3)) / \(Format.fixed(predicted.p50, 3))", 20)
                        + Format.right(Format.fixed(p50Ratio, 2) + (p50Met ? "" : "!"), 7)
                        + Format.right("\(Format.fixed(measured.p99, 3)) / \(Format.fixed(predicted.p99, 3))", 20)
                        + Format.right(Format.fixed(predicted.p99 / measured.p99, 2), 7)
                        + Format.right("\(Format.rate(measured.rate)) / \(Format.rate(predicted.rate))", 20)
                        + Format.right(Format.fixed(rateRatio, 3) + (rateMet ? "" : "!"), 8)
                        + Format.right("\(Format.fixed(measured.batch, 1)) / \(Format.fixed(predicted.batch, 1))", 16))
            }
        }
        let loadAfter = Console.loadAverage().map { Format.fixed($0, 2) }.joined(separator: " ")
        let steal = Console.stealPercent(since: ticks).map { "; hypervisor steal \(Format.fixed($0, 1)) %" } ?? ""
        print("\nload average at the end: \(loadAfter)\(steal)")
        print(
            (misses == 0
                ? "every point within the targets (throughput ±5 %, p50 within 1.5×)"
                : "\(misses) point(s) outside the targets (marked !)"))
    }

    static func setting(_ label: String) throws -> BatchingSetting {
        guard let setting = BatchingSetting(label: label) else {
            throw ValidationError("\(label) is not a setting: adaptive, greedy or fixed-N")
        }
        return setting
    }
}
