import ArgumentParser
import BenchStatistics
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
}
