import BatchSimulation
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The simulator's verdicts at a small scale, on the cost tables checked in beside this file
/// (`Resources/costs.json`, measured by `batchkit-bench cost-table`; the file names the machine): a
/// controller change that loses to a fixed size, falls behind under overload or stops settling fails here.
///
/// Deterministic — the same seeds every run — and a few seconds in a debug build: fewer loads and sizes
/// and shorter runs than `batchkit-bench simulate`, which runs the full comparison.
@Suite struct VerdictTests {
    static let costs: CostTableFile = {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let path = directory.appendingPathComponent("Resources/costs.json").path
        return try! CostTableFile.read(from: path)
    }()

    static func suite(_ model: String) -> VerdictSuite {
        var suite = VerdictSuite(table: costs.table(for: model)!)
        suite.loads = [0.2, 0.5, 0.8, 0.95]
        suite.fixedSizes = [1, 4, 8, 16, 64, 256]
        suite.warmup = 0.2
        suite.duration = 0.5
        suite.minimumItems = 8_000
        suite.stepBefore = 0.5
        suite.stepAfter = 1.5
        suite.threads = 2
        return suite
    }

    @Test(arguments: ["linear256", "mlp1024"])
    func adaptiveMeetsEveryTarget(model: String) {
        let report = Self.suite(model).run()
        for check in report.checks { #expect(check.met, "\(model): \(check)") }
        if !report.allMet { print(report.lines().joined(separator: "\n")) }
    }
}
