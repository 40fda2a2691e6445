import ArgumentParser
import BatchKitCore
import BatchProcessing
import BatchSimulation
import BenchStatistics
import FoundationEssentials

/// `batchkit-bench simulate`: the adaptive comparison in the simulator, exact and repeatable.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Adaptive vs greedy vs every fixed size in the discrete-event simulator, with the targets checked.",
        discussion: """
            Drives the real scheduler state machine and adaptive controller on a virtual clock against a cost \
            table (`batchkit-bench cost-table`): Poisson load at 10…95 % of capacity, 130 % overload, bursts, \
            and a 20 → 90 % step. Seeded: the same table and flags always print the same figures. Exits 1 \
            when --strict is given and a target is missed.
            """
    )

    @Option(name: .customLong("costs"), help: ArgumentHelp("The cost tables (JSON).", valueName: "file"))
    var costsPath = "Tests/BatchSimulationTests/Resources/costs.json"

    @Option(help: "Comma-separated models of the file (default: all of them).")
    var models: String?

    @Option(help: ArgumentHelp("Comma-separated loads in percent of capacity.", valueName: "percents"))
    var loads = "10,20,30,40,50,60,70,80,90,95"

    @Option(help: "Simulated seconds measured per run (after 0.3 s of warm-up).")
    var duration = 1.0

    @Option(help: "The seed of the first load.")
    var seed: UInt64 = 1

    @Option(
        help: ArgumentHelp(
            "Independent runs pooled per setting at every load, at saturation and under bursts: one run's p99 "
                + "near saturation hinges on its few longest queues."))
    var replications = 4

    @Option(help: "Threads to run simulations on.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(
        help: ArgumentHelp("Comma-separated loads whose p50, p99.9 and mean batch are shown.", valueName: "percents"))
    var detail = "80"

    @Flag(
        help: ArgumentHelp(
            "Closed-loop callers share the cores with the workers, spending the table's callerCPU each (the "
                + "capacity run too); otherwise their cost is charged to the workers."))
    var sharedCores = false

    @Option(
        help: ArgumentHelp(
            "Closed-loop callers' CPU per item on the shared cores, overriding the table's (e.g. an HTTP "
                + "request's handling); implies --shared-cores.", valueName: "µs"))
    var callerCpu: Double?

    @Option(
        help: ArgumentHelp(
            "How long a runnable caller waits for a core the workers hold before it takes one, overriding the "
                + "table's.", valueName: "µs"))
    var preemptAfter: Double?

    @Option(help: "Closed-loop callers in the closed-loop comparison.")
    var callers = 64

    @Flag(help: "Draw no noise: every batch takes its table time (the scheduler's rules alone).")
    var noNoise = false

    @Flag(help: "Exit 1 if a target is missed.")
    var strict = false

    func run() throws {
        let file = try CostTableFile.read(from: costsPath)
        let wanted = models.map(CommaList.split)
        let percents = CommaList.split(loads).compactMap(Double.init)
        guard !percents.isEmpty else { throw ValidationError("--loads takes percentages such as 20,50,80") }
        print("simulator: cost tables \(costsPath), measured \(file.measuredAt) on \(file.machine)")
        var missed = 0
        for var table in file.tables where wanted?.contains(table.model) ?? true {
            if let callerCpu { table.scheduling.callerCPU = callerCpu * 1e-6 }
            if let preemptAfter { table.scheduling.callerPreemptAfter = preemptAfter * 1e-6 }
            var suite = VerdictSuite(table: table)
            suite.closedCallers = callers
            suite.sharedCores = sharedCores || callerCpu != nil
            suite.loads = percents.map { $0 / 100 }
            suite.duration = duration
            suite.seed = seed
            suite.replications = replications
            suite.threads = threads
            suite.noise = !noNoise
            let clock = ContinuousClock()
            let start = clock.now
            var report = suite.run { Console.progress($0) }
            report.detailLoads = CommaList.split(detail).compactMap(Double.init).map { $0 / 100 }
            print("")
            for line in report.lines() { print(line) }
            print("(\(Format.fixed((clock.now - start).inSeconds, 1)) s of host time)")
            missed += report.misses.count
        }
        if strict && missed > 0 { throw ExitCode(1) }
    }
}
