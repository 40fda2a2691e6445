import ArgumentParser
import BatchKitCore
import BatchProcessing
import BatchSimulation
import BenchStatistics
import DenseKernels
import FoundationEssentials

/// `batchkit-bench cost-table`: measures the simulator's cost table of each built-in model on this machine.
struct CostTableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost-table",
        abstract: "Measure the simulator's cost tables (t(n), noise, scheduling costs, wake-ups) on this machine.",
        discussion: """
            Times DenseModel.forward at every batch size up to 16 rows and a spread above, on as many threads \
            at once as the processor has workers; fits the noise (jitter and stalls) to every call; fits the \
            per-batch and per-item scheduling costs to the real processor's saturated throughput at fixed \
            sizes 1, 4, 16, 64 and 256; and times a signalled worker's, the timer's and the load generator's \
            wake-ups. Writes the tables as JSON for `batchkit-bench simulate`. Run it on a quiet machine \
            (under `flock /work/bench.lock` where benchmarks share one). Kernel timings run in three \
            interleaved rounds, each size keeping its quietest; each saturated size keeps the faster of two runs.
            """
    )

    @Option(help: "Comma-separated built-in models.")
    var models = DenseModel.builtInNames.joined(separator: ",")

    @Option(name: .customLong("out"), help: ArgumentHelp("Where to write the JSON.", valueName: "file"))
    var outPath = "costs.json"

    @Flag(help: "Shorter timings: a smoke test.")
    var quick = false

    @Option(help: "Interleaved rounds of kernel timings (each size keeps its quietest) and saturated runs per size.")
    var rounds: Int?

    @Option(help: "Worker threads (as the processor's --workers).")
    var workers = 2

    @Option(help: "The largest batch (as the processor's --max-batch-size).")
    var maxBatchSize = 256

    func run() async throws {
        BLAS.setThreadCount(1)
        var scheduler = BenchCommand.benchDefaults
        scheduler.workers = workers
        scheduler.maxBatchSize = maxBatchSize
        let measurement = CostTableMeasurement(
            scheduler: scheduler, secondsPerSize: quick ? 0.03 : 0.08,
            saturatedDuration: quick ? .milliseconds(250) : .milliseconds(700), rounds: rounds ?? (quick ? 1 : 3))
        let wake = await offPool { [quick] in WakeLatency.measure(samples: quick ? 400 : 2000) }
        var tables: [CostTable] = []
        for name in CommaList.split(models) {
            guard let builtIn = DenseModel.builtIn(named: name) else {
                throw ValidationError(
                    "unknown model \(name); built in: \(DenseModel.builtInNames.joined(separator: ", "))")
            }
            let model = builtIn.calibratedForSmallBatches()
            tables.append(try await measurement.measure(name: name, model: model, wake: wake))
        }
        let file = CostTableFile(
            machine: Self.machineDescription(), measuredAt: Date.now.ISO8601Format(), tables: tables)
        try file.write(to: outPath)
        Console.progress("wrote \(outPath)")
    }

    /// CPU model, cores, OpenBLAS core and the instruction sets the kernels use.
    static func machineDescription() -> String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
        let cpu = line.map { String($0.split(separator: ":", maxSplits: 1).last!.drop { $0 == " " || $0 == "\t" }) }
        let flags = info.contains(" avx512f") ? "AVX-512" : info.contains(" avx2") ? "AVX2" : "no AVX2"
        return "\(cpu ?? "unknown CPU"), \(ProcessInfo.processInfo.activeProcessorCount) vCPU, \(flags), "
            + "OpenBLAS core \(BLAS.coreName)"
    }
}
