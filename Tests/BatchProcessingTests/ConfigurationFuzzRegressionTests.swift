import BatchProcessing
import Testing

/// Configurations that `validate()` accepted but the processor could not run with, found by
/// `Fuzz/FuzzConfiguration` (`scripts/fuzz.sh`). Each must now be refused with a `ConfigurationError`.
///
/// The fuzzer's inputs are bytes that its `FuzzInput` decodes field by field; the tests state the decoded
/// values, and the comments keep the bytes for replaying with `FUZZ_PRINT=1 FuzzConfiguration <file>`.
@Suite struct ConfigurationFuzzRegressionTests {
    /// `BatchStats` reserves the whole window up front, so `Int.max` trapped in `BatchProcessor.init`.
    ///
    /// Input: `05 05 05 05 05 05 2b 05 05 05 05 07 05 24 25 05 05 05 05 05 71 44 65 fe 05`.
    @Test func hugeMonitoringWindowIsRefused() throws {
        let configuration = BatchProcessorConfiguration { $0.monitoring.window = .max }
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
        do {
            _ = try BatchProcessor<Int, Int>(configuration: configuration)
            Issue.record("a monitoring window of Int.max was accepted")
        } catch {
            #expect(error.field == "monitoring.window")
        }
        let largest = BatchProcessorConfiguration {
            $0.monitoring.window = BatchProcessorConfiguration.maxMonitoringWindow
        }
        try largest.validate()
    }

    /// A duration beyond `Int64.max` seconds makes `Duration.components` trap, which the timer thread
    /// calls for every wait: with such a batchTimeout and itemTimeout the first item crashed the process.
    ///
    /// Input (agingLimit = 5.07 × 10¹⁹ s): `05 05 05 05 05 05 05 05 05 f7 fa fa 14 fa fa fa fd 05 44 65 fe 05`.
    @Test func durationsBeyondInt64SecondsAreRefused() throws {
        let huge = Duration(secondsComponent: .max, attosecondsComponent: .max)
        let cases: [(String, (inout BatchProcessorConfiguration) -> Void)] = [
            ("queue.agingLimit", { $0.queue.agingLimit = .seconds(Double(bitPattern: 0x4405_FDFA_FAFA_14FA)) }),
            ("batching.timeout", { $0.batching.timeout = huge }),
            ("batching.itemTimeout", { $0.batching.itemTimeout = huge }),
            ("batching.minInterval", { $0.batching.minInterval = huge }),
            ("health.checkInterval", { $0.health.checkInterval = .seconds(1e20) }),
            ("failures.retryDelay", { $0.failures.retryDelay = huge }),
        ]
        for (field, change) in cases {
            let configuration = BatchProcessorConfiguration(change)
            #expect(throws: ConfigurationError.self) { try configuration.validate() }
            do {
                try configuration.validate()
            } catch {
                #expect(error.field == field)
            }
        }
    }

    /// `Int64.max` seconds itself, the "practically never" a user may write, is still accepted, and a
    /// processor waiting that long on its timer runs and stops normally.
    @Test func int64MaxSecondsIsAccepted() async throws {
        let configuration = BatchProcessorConfiguration {
            $0.batching.timeout = .seconds(Int64.max)
            $0.batching.itemTimeout = .seconds(Int64.max)
            $0.queue.agingLimit = .seconds(Int64.max)
            $0.health.checkInterval = .seconds(Int64.max)
            $0.failures.retryDelay = .seconds(Int64.max)
            $0.batching.minInterval = .seconds(Int64.max)
        }
        try configuration.validate()
        #expect(configuration.batching.timeout == BatchProcessorConfiguration.maxDuration)

        var waiting = configuration
        waiting.batching.initialSize = 4
        // Fixed, so the lone item waits for its batch (adaptive would send it to an idle worker at once).
        waiting.batching.strategy = .fixed
        let processor = try BatchProcessor<Int, Int>(configuration: waiting)
        try processor.start { $0 }
        // One item of a batch of four: the timer thread now sleeps towards a deadline Int64.max s away.
        let future = try await processor.enqueuePredict(1)
        try await Task.sleep(for: .milliseconds(20))
        await processor.stop(timeout: .milliseconds(50), mode: .cancel)
        await #expect(throws: BatchProcessorError.self) { try await future.value }
    }
}
