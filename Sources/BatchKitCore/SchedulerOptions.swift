public import ArgumentParser
public import BatchProcessing
import FoundationEssentials

/// The scheduler flags `infer` and `bench` share; unset flags keep ``SchedulerSettings``'s defaults.
///
/// Numbers parse unconditionally (so `--max-batch-size -5` reports the real problem, not a missing
/// value) and through ``FlagValue``, which names the flag and the accepted range in one line.
public struct SchedulerOptions: ParsableArguments {
    /// The largest `--max-batch-size` and `--memory-mb` accepted before any model is looked at; the
    /// memory a batch would take is checked against the machine once the model is known.
    public static let maxBatchSizeLimit = 1 << 24
    /// The largest `--memory-mb`: 16 TiB.
    public static let memoryMBLimit = 1 << 24
    /// The longest `--batch-timeout-ms`: one hour.
    public static let maxTimeoutMilliseconds = 3_600_000.0
    /// The shortest positive `--batch-timeout-ms`: one microsecond.
    public static let minTimeoutMilliseconds = 0.001

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Most rows per batch, also the target batch size (maxBatchSize; default: "
                + "\(SchedulerSettings().maxBatchSize)).", valueName: "rows"),
        transform: { try FlagValue.integer($0, range: 1...SchedulerOptions.maxBatchSizeLimit) })
    public var maxBatchSize: Int?

    @Option(
        name: .customLong("batch-timeout-ms"),
        parsing: .unconditional,
        help: ArgumentHelp(
            "Longest an item waits for its batch to fill, in milliseconds; 0 never waits (batchTimeout; default: "
                + "\(Format.plain(SchedulerSettings().batchTimeout.inSeconds * 1e3))).", valueName: "ms"),
        transform: {
            try FlagValue.milliseconds(
                $0, minimum: SchedulerOptions.minTimeoutMilliseconds,
                maximum: SchedulerOptions.maxTimeoutMilliseconds)
        })
    public var batchTimeoutMilliseconds: Double?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Worker threads computing batches at once, 1 to 256 (maxWorkers; default: the number of cores).",
            valueName: "count"),
        transform: { try FlagValue.integer($0, range: 1...256) })
    public var workers: Int?

    @Option(
        help: ArgumentHelp(
            "Batching strategy: \(BatchProcessingStrategy.allCases.map(\.rawValue).joined(separator: ", ")) "
                + "(default: \(SchedulerSettings().strategy.rawValue)).",
            valueName: "name"),
        transform: { text in
            guard let strategy = BatchProcessingStrategy(rawValue: text.lowercased()) else {
                let known = BatchProcessingStrategy.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("choose from \(known)")
            }
            return strategy
        })
    public var strategy: BatchProcessingStrategy?

    @Option(
        name: .customLong("memory-mb"),
        parsing: .unconditional,
        help: ArgumentHelp(
            "Per-batch memory budget in MiB (maxBatchMemoryMB): caps the rows per batch by the model's estimate "
                + "(default: none; a batch must still fit in the machine's memory).", valueName: "MiB"),
        transform: { try FlagValue.integer($0, range: 1...SchedulerOptions.memoryMBLimit) })
    public var memoryMB: Int?

    /// Creates the options with every flag unset, as ArgumentParser requires.
    public init() {}

    /// Rejects values no processor accepts, before anything runs (the parsers already did for values
    /// from the command line; this covers options built in code).
    public func validate() throws {
        if let maxBatchSize, !(1...Self.maxBatchSizeLimit).contains(maxBatchSize) {
            throw ValidationError("--max-batch-size must be a whole number from 1 to \(Self.maxBatchSizeLimit)")
        }
        if let batchTimeoutMilliseconds {
            _ = try FlagValue.milliseconds(
                "\(batchTimeoutMilliseconds)", flag: "--batch-timeout-ms", minimum: Self.minTimeoutMilliseconds,
                maximum: Self.maxTimeoutMilliseconds)
        }
        if let workers, !(1...256).contains(workers) { throw ValidationError("--workers must be in 1...256") }
        if let memoryMB, !(1...Self.memoryMBLimit).contains(memoryMB) {
            throw ValidationError("--memory-mb must be a whole number from 1 to \(Self.memoryMBLimit)")
        }
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
