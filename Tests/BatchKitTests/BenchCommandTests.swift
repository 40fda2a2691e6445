import ArgumentParser
import Testing

@testable import batchkit

/// The `bench` options that pin what a comparison between runs holds fixed.
@Suite struct BenchCommandTests {
    @Test func capacityPinsOneModelsRate() throws {
        let command = try BenchCommand.parse(["--models", "mlp1024", "--capacity", "16800"])
        #expect(command.capacity == 16_800)
        // One rate cannot be two models' capacity.
        #expect(throws: (any Error).self) { try BenchCommand.parse(["--capacity", "16800"]) }
        #expect(throws: (any Error).self) { try BenchCommand.parse(["--models", "mlp1024", "--capacity", "0"]) }
        #expect(throws: (any Error).self) { try BenchCommand.parse(["--models", "mlp1024", "--capacity", "inf"]) }
    }

    @Test func smallBatchLimitReplacesCalibration() throws {
        #expect(try BenchCommand.parse(["--small-batch-limit", "4"]).smallBatchLimit == 4)
        #expect(try BenchCommand.parse([]).smallBatchLimit == nil)
        #expect(throws: (any Error).self) { try BenchCommand.parse(["--small-batch-limit", "0"]) }
    }
}
