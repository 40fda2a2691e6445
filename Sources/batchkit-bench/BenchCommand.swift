import ArgumentParser
import BatchKitCore
import BatchProcessing
import BenchStatistics
import DenseBatching
import DenseKernels
import FoundationEssentials

/// `batchkit-bench bench`: measures the built-in models in one or more scenarios and prints a table per scenario.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the compute core and the batch processor on the built-in models.",
        discussion: """
            Scenarios: kernel (DenseModel.forward at batch 1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 256, each against the path not \
            taken, and the single-row path), \
            processor (closed loop, async producers, against the kernel at the batch formed), sync (the same \
            from blocking threads), open-loop (Poisson arrivals at 50/80/95 % of the processor's capacity), \
            overhead (identity function on the generic path), allocations (mallocs per item), seed-workload (the \
            seed's test: one thread enqueues 20 000 items under the default configuration, then waits on each \
            future, next to the same workload through a bare pipeline of its shape), adaptive (adaptive vs \
            fixed sizes and greedy at 20/50/80/95 % of capacity, and a 20 → 90 % load step). Progress goes \
            to standard error, tables to standard output. Run on a quiet machine: the figures are only as \
            steady as the cores are free.
            """
    )

    @OptionGroup var options: BenchOptions

    /// The processor configuration the benchmark uses unless flags override it; README's "Performance"
    /// section explains the choice.
    static var benchDefaults: SchedulerSettings {
        var settings = SchedulerSettings()
        settings.strategy = .greedy
        settings.maxBatchSize = 256
        settings.batchTimeout = .milliseconds(2)
        // Room for every open-loop burst: a refused item would hide latency instead of measuring it.
        settings.maxQueueSize = 1 << 16
        return settings
    }

    mutating func run() async throws {
        // Everything that could fail after a run of minutes is checked first (the paths in validate()).
        if options.plotPath != nil, let problem = Plotter.problem() {
            Console.progress("batchkit-bench bench: error: --plot: \(problem)")
            throw ExitCode.validationFailure
        }
        let selected = try BenchScenario.parseList(options.scenarios)
        let names = try options.modelNames()
        let (blasThreads, smallBatchLimit) = (options.blasThreads, options.smallBatchLimit)
        let producers = options.producers
        let threads = blasThreads ?? 1
        BLAS.setThreadCount(threads)
        let repeats = options.repeats
        var settings = options.quick ? BenchSettings.quick(repeats: repeats) : .standard(repeats: repeats)
        settings.adaptiveLoads = options.parsedAdaptiveLoads() ?? settings.adaptiveLoads
        settings.adaptiveSettings = options.adaptiveSettings.map { Set(CommaList.split($0)) }
        settings.adaptiveRounds = options.adaptiveRounds ?? settings.adaptiveRounds
        var scheduler = options.scheduler.settings(over: Self.benchDefaults)
        if let blasThreads { scheduler.blasThreading = .threads(blasThreads) }
        let machine = BenchReport.Machine(
            cores: ProcessInfo.processInfo.activeProcessorCount,
            blasCore: BLAS.coreName,
            blasThreads: threads,
            workers: scheduler.workers,
            environment: Dictionary(
                uniqueKeysWithValues: ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS"].map {
                    ($0, Console.environment($0))
                }),
            loadAverage: Console.loadAverage()
        )
        let reportConfiguration = BenchReport.Configuration(
            strategy: scheduler.strategy.rawValue, maxBatchSize: scheduler.maxBatchSize,
            batchTimeoutMilliseconds: scheduler.batchTimeout.inSeconds * 1e3, workers: scheduler.workers,
            blasThreading: blasThreads.map { "threads(\($0))" } ?? "perWorker", producers: producers,
            maxQueueSize: scheduler.maxQueueSize)
        printHeader(machine, reportConfiguration, scenarios: selected, models: names, settings: settings)
        let ticksAtStart = Console.cpuTicks()

        var report = BenchReport(
            machine: machine, date: Date.now.ISO8601Format(), configuration: reportConfiguration, models: [:])
        var kernel = KernelBenchmark(settings: settings.kernel)
        let processors = ProcessorBenchmark(
            settings: settings, scheduler: scheduler, producers: producers, rowsPerItem: options.rowsPerItem)
        var tables: [BenchScenario: [String]] = [:]
        var closedLoops: [ProcessorBenchmark.Callers: [(String, BenchReport.ClosedLoop)]] = [:]
        var openLoops: [(String, [BenchReport.OpenLoopPoint])] = []
        var overheads: [(String, BenchReport.Overhead)] = []
        var allocations: [(String, BenchReport.Allocations)] = []
        var seedWorkloads: [(String, BenchReport.SeedWorkload)] = []
        var adaptives: [(String, BenchReport.Adaptive)] = []
        var crossovers: [String] = []
        for name in names {
            // Validated above, so the lookup cannot fail.
            // Calibrated once, with the BLAS threads each worker uses, so every scenario (the kernel
            // comparisons included) computes small batches the way the processor does.
            BLAS.setThreadCount(threads)
            let builtIn = DenseModel.builtIn(named: name)!
            let crossover = smallBatchLimit == nil ? builtIn.measureSmallBatchCrossover() : nil
            let model = builtIn.with(smallBatchLimit: smallBatchLimit ?? crossover!.limit)
                .with(packedSingleRow: crossover?.singleRow)
            let smallBatch = model.effectiveSmallBatchLimit
            let decision = crossover?.summary ?? "--small-batch-limit \(smallBatch)"
            Console.progress(
                "[\(name)] small batches: up to \(smallBatch) row(s) on the packed kernel "
                    + "(\(model.smallBatchKernel)); \(decision)")
            var entry = BenchReport.Model(shape: model.shapeDescription, smallBatchLimit: smallBatch)
            entry.smallBatchKernel = model.smallBatchKernel.description
            entry.smallBatchCrossover = decision
            crossovers.append("  \(Format.left(name, 10)) \(model.smallBatchKernel): \(decision)")
            for scenario in BenchScenario.allCases where selected.contains(scenario) {
                switch scenario {
                case .kernel:
                    BLAS.setThreadCount(threads)
                    let result = kernel.run(name: name, model: model)
                    entry.kernel = result
                    tables[.kernel, default: []] += [KernelBenchmark.table(name: name, model: model, result), ""]
                case .processor, .sync:
                    let callers: ProcessorBenchmark.Callers = scenario == .processor ? .tasks : .threads
                    let result = try await processors.run(name: name, model: model, callers: callers)
                    if callers == .tasks { entry.processor = result } else { entry.sync = result }
                    closedLoops[callers, default: []].append((name, result))
                case .openLoop:
                    var capacity = options.capacity ?? entry.processor?.itemsPerSecond
                    if capacity == nil {
                        Console.progress("[open-loop] \(name): measuring capacity first (processor scenario)")
                        capacity = try await processors.run(name: name, model: model, callers: .tasks).itemsPerSecond
                    }
                    let points = try await OpenLoopBenchmark(settings: settings, scheduler: scheduler)
                        .run(name: name, model: model, capacity: capacity!)
                    entry.openLoop = points
                    openLoops.append((name, points))
                case .overhead:
                    let result = try await OverheadBenchmark(
                        settings: settings, scheduler: scheduler, producers: producers
                    ).run(name: name)
                    entry.overhead = result
                    overheads.append((name, result))
                case .allocations:
                    if let result = try await AllocationBenchmark(
                        settings: settings, scheduler: scheduler, producers: producers
                    ).run(name: name, model: model) {
                        entry.allocations = result
                        allocations.append((name, result))
                    }
                case .seedWorkload:
                    let result = try await SeedWorkloadBenchmark(settings: settings).run(name: name, model: model)
                    entry.seedWorkload = result
                    seedWorkloads.append((name, result))
                case .adaptive:
                    let result = try await AdaptiveBenchmark(
                        settings: settings, scheduler: scheduler, producers: producers
                    ).run(name: name, model: model, capacity: options.capacity ?? entry.processor?.itemsPerSecond)
                    entry.adaptive = result.points
                    entry.adaptiveSaturated = result.saturation
                    entry.adaptiveStep = result.step
                    entry.adaptiveVerdicts = result.verdicts
                    adaptives.append((name, result))
                }
            }
            report.models[name] = entry
        }
        Console.progress("checksum \(kernel.checksum) (one output value per call, keeps every forward live)")

        for scenario in BenchScenario.allCases where selected.contains(scenario) {
            print("")
            switch scenario {
            case .kernel:
                print("== kernel: DenseModel.forward from one thread, \(threads) BLAS thread(s)")
                print("small-batch crossover (packed kernel vs OpenBLAS, decided at start):")
                print(crossovers.joined(separator: "\n"))
                print(tables[.kernel, default: []].dropLast().joined(separator: "\n"))
                if !ProcessMallocCounter.isActive { print("mallocs: not counted (malloc-interposer not in effect)") }
            case .processor, .sync:
                let callers: ProcessorBenchmark.Callers = scenario == .processor ? .tasks : .threads
                print(
                    "== \(callers.rawValue): closed loop, \(producers) "
                        + (callers == .tasks ? "async tasks awaiting predict" : "threads blocking on futures")
                        + (options.rowsPerItem > 1 ? ", \(options.rowsPerItem) rows per item" : "")
                        + "; kernel = \(scheduler.workers) threads calling forward at the mean batch")
                print(ProcessorBenchmark.table(callers, closedLoops[callers, default: []]).joined(separator: "\n"))
            case .openLoop:
                print("== open-loop: Poisson arrivals, latency from the scheduled arrival")
                print(OpenLoopBenchmark.table(openLoops).joined(separator: "\n"))
            case .overhead:
                print("== overhead: BatchProcessor<Int, Int> { $0 }, \(producers) async producers")
                for (name, result) in overheads {
                    print(
                        "  \(Format.left(name, 10)) \(Format.rate(result.itemsPerSecond)) items/s "
                            + "(\(Format.rate(result.itemsPerSecondMin)) – \(Format.rate(result.itemsPerSecondMax))), "
                            + "\(Format.fixed(1e9 / result.itemsPerSecond, 0)) ns/item, CPU "
                            + "\(Format.fixed(result.cpuNanosecondsPerItem, 0)) ns/item, mean batch "
                            + "\(Format.fixed(result.meanBatch, 1))")
                }
            case .allocations:
                print("== allocations: process-wide mallocs per item in steady state")
                for (name, result) in allocations {
                    print(
                        "  \(Format.left(name, 10)) \(Format.fixed(result.mallocsPerItem, 2)) via predict, "
                            + "\(Format.fixed(result.mallocsPerItemSync, 2)) via enqueuePredict + result()")
                }
            case .seedWorkload:
                print(
                    "== seed-workload: one thread enqueues \(SeedWorkloadBenchmark.items) items, then waits on each "
                        + "future; default configuration; kernel at the mean batch × workers; floor: the same through a bare "
                        + "pipeline (one lock, a future per item, same workers and batch limit, nothing else)")
                print(SeedWorkloadBenchmark.table(seedWorkloads).joined(separator: "\n"))
            case .adaptive:
                print("== adaptive: Poisson arrivals per setting; sat/s: completed under 130 % offered load")
                print(AdaptiveStatistics.table(adaptives).joined(separator: "\n"))
            }
        }

        if let steal = Console.stealPercent(since: ticksAtStart) {
            report.machine.stealPercent = steal
            print(
                "\nhypervisor steal during the run: \(Format.fixed(steal, 1)) % of CPU time"
                    + (steal >= 2 ? " — other guests took cores this run wanted; figures are noisier" : ""))
        }
        let data = try report.jsonData()
        let (jsonPath, plotPath) = (options.jsonPath, options.plotPath)
        if let jsonPath {
            let file = try OutputFile(path: jsonPath)
            try data.withUnsafeBytes { try file.write($0) }
            try file.commit()
            Console.progress("wrote \(jsonPath)")
        }
        if let plotPath {
            try Plotter.plot(json: data, jsonPath: jsonPath, to: plotPath)
            Console.progress("wrote \(plotPath)")
        }
    }

    private func printHeader(
        _ machine: BenchReport.Machine,
        _ configuration: BenchReport.Configuration,
        scenarios: [BenchScenario],
        models: [String],
        settings: BenchSettings
    ) {
        print(
            "batchkit-bench: scenarios \(scenarios.map(\.rawValue).joined(separator: ",")), models \(models.joined(separator: ","))"
        )
        print(
            "BLAS: OpenBLAS core \(machine.blasCore), \(machine.blasThreads) thread(s) per call; "
                + "workers: \(machine.workers); cores: \(machine.cores)")
        print("  config: \(BLAS.configuration)")
        let load = machine.loadAverage.map { Format.fixed($0, 2) }.joined(separator: " ")
        print("load average: \(load)")
        if let recent = machine.loadAverage.first, recent > 0.5 {
            Console.progress(
                "warning: load average \(Format.fixed(recent, 2)) — other work is running; figures will be noisy")
        }
        print(
            "env: "
                + machine.environment.keys.sorted().map { "\($0)=\(machine.environment[$0]!)" }.joined(separator: " "))
        print(
            "processor: strategy \(configuration.strategy), maxBatchSize \(configuration.maxBatchSize), "
                + "batchTimeout \(Format.fixed(configuration.batchTimeoutMilliseconds, 2)) ms, maxWorkers "
                + "\(configuration.workers), blasThreading \(configuration.blasThreading), maxQueueSize "
                + "\(configuration.maxQueueSize); \(configuration.producers) producers")
        print(
            "timing: kernel median of \(settings.kernel.repeats) runs of ≥ \(Format.fixed(settings.kernel.minRunSeconds, 2)) s; "
                + "closed loop \(settings.repeats) runs of \(Format.fixed(settings.runDuration.inSeconds, 2)) s after "
                + "\(Format.fixed(settings.warmup.inSeconds, 2)) s warm-up; open loop \(Format.fixed(settings.openLoopDuration.inSeconds, 2)) s "
                + "per load; ContinuousClock")
    }
}
