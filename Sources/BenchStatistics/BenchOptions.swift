public import ArgumentParser
public import BatchKitCore
import DenseKernels

/// The flags of `batchkit-bench bench`, parsed and checked apart from the run, so tests can parse them.
public struct BenchOptions: ParsableArguments {
    @Option(help: "Comma-separated built-in models, default all (\(DenseModel.builtInNames.joined(separator: ", "))).")
    public var models = DenseModel.builtInNames.joined(separator: ",")

    @Option(
        help:
            "Comma-separated scenarios, default all (\(BenchScenario.allCases.map(\.rawValue).joined(separator: ", ")))."
    )
    public var scenarios = BenchScenario.allCases.map(\.rawValue).joined(separator: ",")

    @Flag(help: "Shorter runs (about 10 s per model): a smoke test, not a measurement.")
    public var quick = false

    @Option(
        name: .customLong("json"),
        help: ArgumentHelp("Also write the results as JSON to this file (checked before the run).", valueName: "file"))
    public var jsonPath: String?

    @Option(
        name: .customLong("plot"),
        help: ArgumentHelp(
            "Draw throughput vs batch size and latency vs load to this .png (or .svg, .pdf, .eps, .ps) with "
                + "python3 scripts/plot_bench.py; checked before the run.", valueName: "file.png"))
    public var plotPath: String?

    @Option(
        parsing: .unconditional,
        help:
            "Timed runs per measurement; the median and range are reported (default: 7; --quick: kernel 5, others 3).",
        transform: { try FlagValue.integer($0, range: 1...1000) })
    public var repeats: Int?

    @Option(
        help: ArgumentHelp(
            "Comma-separated offered loads of the adaptive scenario, in percent of capacity (default: 20,50,80,95).",
            valueName: "percents"))
    public var adaptiveLoads = "20,50,80,95"

    @Option(
        help: ArgumentHelp(
            "Comma-separated settings the adaptive scenario compares (adaptive, greedy, fixed-1, fixed-8, fixed-32, "
                + "fixed-128, fixed-<max>; default: all); the step always runs adaptive.", valueName: "settings"))
    public var adaptiveSettings: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Interleaved rounds per setting and load in the adaptive scenario (default: 5; --quick 1); "
                + "the median is reported."),
        transform: { try FlagValue.integer($0, range: 1...1000) })
    public var adaptiveRounds: Int?

    @Option(
        help: ArgumentHelp(
            "Items/s the open-loop and adaptive loads are fractions of, instead of the processor scenario's "
                + "measurement (one model only): pins the offered rates when comparing runs (default: measured).",
            valueName: "items/s"),
        transform: { try FlagValue.number($0, range: 0...1e12, excludingLowerBound: true, unit: "items/s") })
    public var capacity: Double?

    @Option(
        help: ArgumentHelp(
            "Batches of up to this many rows take the packed small-batch kernel instead of OpenBLAS (0: OpenBLAS "
                + "throughout); default: calibrated at start.", valueName: "rows"),
        transform: { try FlagValue.integer($0, range: 0...4096) })
    public var smallBatchLimit: Int?

    @Option(
        parsing: .unconditional,
        help: "OpenBLAS threads per call (default: 1, each worker runs its own single-threaded GEMM).",
        transform: { try FlagValue.integer($0, range: 1...256) })
    public var blasThreads: Int?

    @Option(
        parsing: .unconditional, help: "Concurrent callers in the closed-loop scenarios (default: 64).",
        transform: { try FlagValue.integer($0, range: 1...100_000) })
    public var producers = 64

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Rows in each item of the processor and sync scenarios (the others submit single rows): a caller "
                + "that already holds a matrix submits a block of rows as one item (default: 1).", valueName: "rows"),
        transform: { try FlagValue.integer($0, range: 1...4096) })
    public var rowsPerItem = 1

    @OptionGroup(title: "Processor configuration (every processor scenario)")
    public var scheduler: SchedulerOptions

    /// Rejects what no run could do, before anything is measured.
    public func validate() throws {
        do {
            _ = try BenchScenario.parseList(scenarios)
            _ = try modelNames()
        } catch {
            throw ValidationError(error.description)
        }
        if let repeats, repeats < 1 { throw ValidationError("--repeats must be at least 1") }
        if let adaptiveRounds, adaptiveRounds < 1 { throw ValidationError("--adaptive-rounds must be at least 1") }
        if let blasThreads, blasThreads < 1 { throw ValidationError("--blas-threads must be at least 1") }
        if producers < 1 { throw ValidationError("--producers must be at least 1") }
        // The open loop and the adaptive loads are fractions of a capacity in single-row items.
        if rowsPerItem > 1, let scenarios = try? BenchScenario.parseList(scenarios),
            let other = scenarios.first(where: { $0 == .openLoop || $0 == .adaptive })
        {
            throw ValidationError(
                "--rows-per-item: \(other.rawValue) offers single rows at fractions of the single-row capacity; "
                    + "run it without --rows-per-item")
        }
        if let smallBatchLimit, smallBatchLimit < 0 {
            throw ValidationError("--small-batch-limit must be 0 (OpenBLAS throughout) or more")
        }
        if let capacity {
            guard capacity > 0, capacity.isFinite else { throw ValidationError("--capacity must be above 0 items/s") }
            guard (try? modelNames())?.count == 1 else {
                throw ValidationError("--capacity is one model's: pass a single model with --models")
            }
        }
        if let adaptiveSettings {
            let labels = CommaList.split(adaptiveSettings)
            let limit = scheduler.maxBatchSize ?? SchedulerSettings().maxBatchSize
            let valid = labels.allSatisfy {
                $0 == "adaptive" || $0 == "greedy"
                    || ($0.hasPrefix("fixed-") && Int($0.dropFirst(6)).map { (1...limit).contains($0) } == true)
            }
            if labels.isEmpty || !valid {
                throw ValidationError(
                    "--adaptive-settings takes adaptive, greedy and fixed-N with N from 1 to the maximum batch size "
                        + "(\(limit)), such as adaptive,greedy,fixed-32")
            }
        }
        if parsedAdaptiveLoads() == nil {
            throw ValidationError("--adaptive-loads takes percentages above 0 up to 1000, such as 20,50,80,95")
        }
        if let jsonPath { try Self.checkOutput(jsonPath, flag: "--json") }
        if let plotPath {
            let suffix = plotPath.split(separator: "/").last?.split(separator: ".").dropFirst().last?.lowercased()
            guard let suffix, Self.plotFormats.contains(suffix) else {
                throw ValidationError(
                    "--plot \(plotPath): the file name must end in ."
                        + Self.plotFormats.joined(separator: ", .") + " (the formats matplotlib writes without extras)")
            }
            try Self.checkOutput(plotPath, flag: "--plot")
        }
    }

    /// `--adaptive-loads` as fractions, or `nil` if an entry is not a number above 0 and at most 1000.
    public func parsedAdaptiveLoads() -> [Double]? {
        let percents = CommaList.split(adaptiveLoads).map { Double($0.replacing("%", with: "")) }
        guard !percents.isEmpty, percents.allSatisfy({ ($0 ?? 0) > 0 && ($0 ?? 0) <= 1000 }) else { return nil }
        return percents.map { $0! / 100 }
    }

    /// The `--plot` file formats accepted: what matplotlib's Agg backend writes with nothing else installed.
    public static let plotFormats = ["png", "svg", "pdf", "eps", "ps"]

    /// Refuses, before a run of minutes, an output path the results could not be written to.
    static func checkOutput(_ path: String, flag: String) throws {
        do {
            try InferPipeline.checkWritable(path)
        } catch {
            throw ValidationError(
                "\(flag) \(path): "
                    + error.description.replacing("cannot write output \(path): ", with: "cannot write: "))
        }
    }

    /// The `--models` names, deduplicated in order; throws for a name that is not built in.
    public func modelNames() throws(BenchOptionError) -> [String] {
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

    /// Creates the options at their defaults, as ArgumentParser requires.
    public init() {}
}
