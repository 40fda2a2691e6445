import ArgumentParser
import DenseKernels
import FoundationEssentials

/// `batchkit bench`: measures the built-in models in one or more scenarios and prints a table per model.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput and allocations of the built-in models.",
        discussion: """
            Progress goes to standard error, tables to standard output. The kernel scenario calls \
            DenseModel.forward from one thread at batch sizes 1, 16, 64 and 256, plus the single-row \
            (sgemv) path, and counts mallocs per call in steady state.
            """
    )

    @Option(help: "Comma-separated built-in models (\(DenseModel.builtInNames.joined(separator: ", "))).")
    var models = DenseModel.builtInNames.joined(separator: ",")

    @Option(help: "Comma-separated scenarios (\(BenchScenario.allCases.map(\.rawValue).joined(separator: ", "))).")
    var scenarios = BenchScenario.kernel.rawValue

    @Flag(help: "Shorter runs (≥ 0.05 s, 5 repeats): a smoke test, not a measurement.")
    var quick = false

    @Option(
        name: .customLong("json"), help: ArgumentHelp("Also write the results as JSON to this file.", valueName: "file")
    )
    var jsonPath: String?

    @Option(help: "Timed runs per measurement; the median and range are reported (default 7, quick 5).")
    var repeats: Int?

    @Option(help: "OpenBLAS threads per call (default: OpenBLAS's own, usually all cores).")
    var blasThreads: Int?

    func validate() throws {
        do {
            _ = try BenchScenario.parseList(scenarios)
            _ = try modelNames()
        } catch {
            throw ValidationError(error.description)
        }
        if let repeats, repeats < 1 { throw ValidationError("--repeats must be at least 1") }
        if let blasThreads, blasThreads < 1 { throw ValidationError("--blas-threads must be at least 1") }
    }

    mutating func run() async throws {
        let scenarioList = try BenchScenario.parseList(scenarios)
        let names = try modelNames()
        if let blasThreads { BLAS.setThreadCount(blasThreads) }
        let settings = quick ? KernelBenchmark.Settings.quick(repeats: repeats) : .standard(repeats: repeats)
        let machine = BenchReport.Machine(
            cores: ProcessInfo.processInfo.activeProcessorCount,
            blasCore: BLAS.coreName,
            blasThreads: BLAS.threadCount,
            workers: 1,
            environment: Dictionary(
                uniqueKeysWithValues: ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS"].map {
                    ($0, Console.environment($0))
                })
        )
        printHeader(machine, scenarios: scenarioList, models: names, settings: settings)

        var report = BenchReport(machine: machine, models: [:])
        var tables: [String] = []
        var kernel = KernelBenchmark(settings: settings)
        for name in names {
            // Validated above, so the lookup cannot fail.
            let model = DenseModel.builtIn(named: name)!
            var entry = BenchReport.Model(shape: model.shapeDescription, kernel: nil)
            for scenario in scenarioList {
                switch scenario {
                case .kernel:
                    let result = kernel.run(name: name, model: model)
                    entry.kernel = result
                    tables.append(KernelBenchmark.table(name: name, model: model, result))
                }
            }
            report.models[name] = entry
        }
        Console.progress("checksum \(kernel.checksum) (one output value per call, keeps every forward live)")
        print("")
        print(tables.joined(separator: "\n\n"))
        if !ProcessMallocCounter.isActive { print("\nmallocs: not counted (malloc-interposer not in effect)") }

        if let jsonPath {
            try report.jsonData().write(to: URL(fileURLWithPath: jsonPath))
            Console.progress("wrote \(jsonPath)")
        }
    }

    private func modelNames() throws(BenchOptionError) -> [String] {
        var names: [String] = []
        for name in CommaList.split(models) {
            guard DenseModel.builtInNames.contains(name) else {
                throw .unknownModel(name, known: DenseModel.builtInNames)
            }
            if !names.contains(name) { names.append(name) }
        }
        guard !names.isEmpty else { throw .emptyList("--models") }
        return names
    }

    private func printHeader(
        _ machine: BenchReport.Machine,
        scenarios: [BenchScenario],
        models: [String],
        settings: KernelBenchmark.Settings
    ) {
        print(
            "batchkit bench: scenarios \(scenarios.map(\.rawValue).joined(separator: ",")), models \(models.joined(separator: ","))"
        )
        print("BLAS: OpenBLAS core \(machine.blasCore), \(machine.blasThreads) thread(s) per call")
        print("  config: \(BLAS.configuration)")
        print(
            "env: "
                + machine.environment.keys.sorted().map { "\($0)=\(machine.environment[$0]!)" }.joined(separator: " "))
        print("nproc: \(machine.cores)")
        print(
            "timing: median of \(settings.repeats) runs of ≥ \(Format.fixed(settings.minRunSeconds, 2)) s after "
                + "\(Format.fixed(settings.warmupSeconds, 2)) s warm-up (ContinuousClock); "
                + "mallocs over \(settings.mallocCalls) calls, all threads")
    }
}
