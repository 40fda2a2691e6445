import BatchProcessing
import BatchSimulation
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The simulator's verdicts at a small scale, on every cost table checked in beside this file
/// (`Resources/`, each measured by `batchkit-bench cost-table` on the machine it names): a
/// controller change that loses to a fixed size, falls behind under overload or stops settling fails here.
///
/// Deterministic — the same seeds every run — and 10–60 s per table in a debug build: fewer loads and
/// sizes and shorter runs than `batchkit-bench simulate`, which runs the full comparison.
@Suite(.serialized) struct VerdictTests {
    /// The default AVX2 table, an older and faster AVX2 guest's, and an AVX-512 guest's.
    static let tableFiles = ["costs.json", "costs-avx2-2026-12-03.json", "costs-avx512.json"]

    static func costs(_ file: String) -> CostTableFile {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let path = directory.appendingPathComponent("Resources/\(file)").path
        return try! CostTableFile.read(from: path)
    }

    /// A small suite: three loads, five fixed sizes, runs of ~0.1 s, noise off (with stalls, runs this
    /// short hinge on where a few of them fall; the full, noisy comparison is `batchkit-bench simulate`'s).
    static func suite(_ model: String, in costs: CostTableFile) -> VerdictSuite {
        var suite = VerdictSuite(table: costs.table(for: model)!)
        // linear256 runs at 15–25 times mlp1024's rate: shorter spans keep its item counts alike.
        let scale = model == "linear256" ? 0.5 : 1
        suite.loads = [0.2, 0.6, 0.9]
        suite.fixedSizes = [1, 4, 16, 64, 256]
        suite.noise = false
        suite.warmup = 0.05 * scale
        suite.duration = model == "linear256" ? 0.05 : 0.02
        // mlp1024's saturated batches take 14–34 ms: fewer items leave a run's throughput to how many of them
        // happen to end inside its window, and its bursts to one or two of them.
        suite.minimumItems = model == "linear256" ? 2_000 : 20_000
        suite.burstCycles = 0
        suite.stepBefore = 0.1 * scale
        suite.stepAfter = 0.3 * scale
        suite.threads = 2
        return suite
    }

    @Test(arguments: tableFiles, ["linear256", "mlp1024"])
    func adaptiveMeetsEveryTarget(file: String, model: String) async {
        let report = await offPool { Self.suite(model, in: Self.costs(file)).run() }
        for check in report.checks { #expect(check.met, "\(file), \(model): \(check)") }
        if !report.allMet { print(report.lines().joined(separator: "\n")) }
    }
}
