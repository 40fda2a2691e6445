public import ArgumentParser
public import BatchProcessing
import FoundationEssentials

/// The scheduler flags `infer` and `bench` share; unset flags keep ``SchedulerSettings``'s defaults.
public struct SchedulerOptions: ParsableArguments {
    @Option(help: "Most rows per batch (maxBatchSize; also the target batch size).")
    public var maxBatchSize: Int?

    @Option(
        name: .customLong("batch-timeout-ms"),
        help: "Longest an item waits for its batch to fill, in milliseconds (batchTimeout).")
    public var batchTimeoutMilliseconds: Double?

    @Option(help: "Worker threads computing batches at once (maxWorkers; default: the number of cores).")
    public var workers: Int?

    @Option(
        help: ArgumentHelp(
            "Batching strategy: \(BatchProcessingStrategy.allCases.map(\.rawValue).joined(separator: ", ")).",
            valueName: "name"),
        transform: { text in
            guard let strategy = BatchProcessingStrategy(rawValue: text.lowercased()) else {
                let known = BatchProcessingStrategy.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("unknown strategy '\(text)'; choose from \(known)")
            }
            return strategy
        })
    public var strategy: BatchProcessingStrategy?

    @Option(
        name: .customLong("memory-mb"),
        help: "Per-batch memory budget in MiB (maxBatchMemoryMB): caps the rows per batch by the model's estimate.")
    public var memoryMB: Int?

    /// Creates the options with every flag unset, as ArgumentParser requires.
    public init() {}

    /// Rejects values no processor accepts, before anything runs.
    public func validate() throws {
        if let maxBatchSize, maxBatchSize < 1 { throw ValidationError("--max-batch-size must be at least 1") }
        if let batchTimeoutMilliseconds, !(batchTimeoutMilliseconds > 0) {
            throw ValidationError("--batch-timeout-ms must be positive")
        }
        if let workers, !(1...256).contains(workers) { throw ValidationError("--workers must be in 1...256") }
        if let memoryMB, memoryMB < 1 { throw ValidationError("--memory-mb must be at least 1") }
    }

    /// `base` with every flag that was given applied.
    public func settings(over base: SchedulerSettings) -> SchedulerSettings {
        var settings = base
        if let maxBatchSize { settings.maxBatchSize = maxBatchSize }
        if let batchTimeoutMilliseconds {
            settings.batchTimeout = .nanoseconds(Int64((batchTimeoutMilliseconds * 1e6).rounded()))
        }
        settings.workers = workers ?? ProcessInfo.processInfo.activeProcessorCount
        if let strategy { settings.strategy = strategy }
        if let memoryMB { settings.memoryMB = memoryMB }
        return settings
    }
}
