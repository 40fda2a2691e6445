import ArgumentParser
import BenchStatistics
import Foundation
import Testing

/// The `bench` options that pin what a comparison between runs holds fixed.
@Suite struct BenchOptionsTests {
    @Test func capacityPinsOneModelsRate() throws {
        let command = try BenchOptions.parse(["--models", "mlp1024", "--capacity", "16800"])
        #expect(command.capacity == 16_800)
        // One rate cannot be two models' capacity.
        #expect(throws: (any Error).self) { try BenchOptions.parse(["--capacity", "16800"]) }
        #expect(throws: (any Error).self) { try BenchOptions.parse(["--models", "mlp1024", "--capacity", "0"]) }
        #expect(throws: (any Error).self) { try BenchOptions.parse(["--models", "mlp1024", "--capacity", "inf"]) }
    }

    @Test func smallBatchLimitReplacesCalibration() throws {
        #expect(try BenchOptions.parse(["--small-batch-limit", "4"]).smallBatchLimit == 4)
        #expect(try BenchOptions.parse([]).smallBatchLimit == nil)
        #expect(try BenchOptions.parse(["--small-batch-limit", "0"]).smallBatchLimit == 0)
        #expect(throws: (any Error).self) { try BenchOptions.parse(["--small-batch-limit", "-1"]) }
    }

    @Test func rowsPerItemIsForTheClosedLoopsOnly() throws {
        #expect(try BenchOptions.parse([]).rowsPerItem == 1)
        let closedLoops = try BenchOptions.parse(["--scenarios", "processor,sync,kernel", "--rows-per-item", "16"])
        #expect(closedLoops.rowsPerItem == 16)
        // Their loads are fractions of a single-row capacity.
        for scenario in ["open-loop", "adaptive", "processor,adaptive"] {
            #expect(throws: (any Error).self, "\(scenario)") {
                try BenchOptions.parse(["--scenarios", scenario, "--rows-per-item", "16"])
            }
        }
        // The default scenarios include both.
        #expect(throws: (any Error).self) { try BenchOptions.parse(["--rows-per-item", "16"]) }
        for bad in ["0", "-2", "4097", "x"] {
            #expect(throws: (any Error).self, "\(bad)") {
                try BenchOptions.parse(["--scenarios", "processor", "--rows-per-item", bad])
            }
        }
    }

    @Test func adaptiveSettingsNeedABatchSizeThatCanRun() throws {
        #expect(try BenchOptions.parse(["--adaptive-settings", "adaptive,fixed-1,fixed-256"]).adaptiveSettings != nil)
        for bad in ["fixed-0", "fixed--3", "fixed-257", "fixed-x", "", "slow"] {
            #expect(throws: (any Error).self, "\(bad)") { try BenchOptions.parse(["--adaptive-settings", bad]) }
        }
        // The limit is the maximum batch size the run uses.
        #expect(
            try BenchOptions.parse(["--adaptive-settings", "fixed-512", "--max-batch-size", "512"]).adaptiveSettings
                == "fixed-512")
    }

    @Test func outputPathsAndPlotFormatAreCheckedBeforeTheRun() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(
            try BenchOptions.parse(["--json", directory + "/r.json", "--plot", directory + "/r.svg"]).plotPath != nil)
        for flags in [
            ["--json", directory + "/missing/r.json"], ["--json", directory], ["--plot", directory + "/r.jpg"],
            ["--plot", directory + "/plot"], ["--plot", directory + "/missing/r.png"],
        ] {
            let error = #expect(throws: (any Error).self, "\(flags)") { try BenchOptions.parse(flags) }
            #expect(BenchOptions.message(for: error!).contains(flags[0]), "\(flags)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func numbersAreRangeCheckedNamingTheFlag() throws {
        for flags in [
            ["--repeats", "-1"], ["--repeats", "0"], ["--producers", "1e9"], ["--blas-threads", "0"],
            ["--capacity", "nan"], ["--adaptive-loads", "20,1e9"], ["--adaptive-rounds", "2.5"],
        ] {
            let error = #expect(throws: (any Error).self, "\(flags)") { try BenchOptions.parse(flags) }
            #expect(BenchOptions.message(for: error!).contains(flags[0]), "\(flags)")
        }
    }
}
