import ArgumentParser
import BenchStatistics
import FoundationEssentials

/// `batchkit-bench pool`: the adaptive scenarios of several `bench --json` reports judged together.
struct PoolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool",
        abstract: "Judge the adaptive scenario of several bench reports together.",
        discussion: """
            One run's rounds leave adaptive's ratio to the best fixed setting with a wide interval on a noisy \
            machine. This pools every setting's rounds from the reports given (written by `batchkit-bench \
            --scenarios adaptive --json FILE`) and prints the adaptive table and verdicts over all of them. \
            Runs that measured their own capacity offered different rates at the same percentage: pin it \
            with --capacity when the runs are meant to be pooled.
            """
    )

    @Argument(help: ArgumentHelp("Reports written by `batchkit-bench --json`.", valueName: "report.json"))
    var reports: [String]

    func validate() throws {
        if reports.isEmpty { throw ValidationError("give at least one report") }
    }

    func run() throws {
        let decoded = try reports.map { path -> BenchReport in
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try JSONDecoder().decode(BenchReport.self, from: data)
        }
        let tables = try Self.pooledTables(decoded)
        print("== adaptive, pooled over \(reports.count) report(s): \(reports.joined(separator: ", "))")
        for line in tables { print(line) }
    }

    /// The adaptive table of every model any report measured, pooled over the reports that measured it,
    /// then each report's own verdicts.
    static func pooledTables(_ reports: [BenchReport]) throws -> [String] {
        let names = Set(reports.flatMap { $0.models.keys }).sorted()
        var results: [(String, BenchReport.Adaptive)] = []
        var each: [String] = []
        for name in names {
            let scenarios = reports.compactMap { report -> BenchReport.Adaptive? in
                guard let model = report.models[name], let points = model.adaptive,
                    let saturation = model.adaptiveSaturated, let step = model.adaptiveStep
                else { return nil }
                // The report's own verdicts; judged again only in reports written before they were kept.
                return BenchReport.Adaptive(
                    points: points, saturation: saturation, step: step,
                    verdicts: model.adaptiveVerdicts ?? AdaptiveStatistics.verdicts(points))
            }
            guard !scenarios.isEmpty else { continue }
            results.append((name, try AdaptiveStatistics.pooled(scenarios, model: name)))
            each.append("  \(name): " + AdaptiveStatistics.eachReport(scenarios))
        }
        guard !results.isEmpty else { throw AdaptiveStatistics.PoolError.nothingToPool }
        return AdaptiveStatistics.table(results, stepSource: "the first report's")
            + ["== each report on its own: adaptive p99 / best fixed p99, in the order given"] + each
    }
}
