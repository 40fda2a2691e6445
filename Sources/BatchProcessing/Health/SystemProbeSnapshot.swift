/// Process and system resource use at one moment, as read by ``SystemProbe/snapshot()``.
public struct SystemSnapshot: Sendable, Equatable {
    /// The process's resident set size in bytes (`/proc/self/statm` resident pages × page size).
    public let rssBytes: Int
    /// The CPU time the process used since the previous snapshot (or the probe's creation), as a
    /// percentage of **one** core over the wall time between them, as `top` shows it: 0…100 × ``cores``.
    ///
    /// `nil` when there is no earlier sample to compare with. See ``processCPUPercentOfAllCores`` for
    /// the 0…100 form.
    public let processCPUPercent: Double?
    /// The share of system memory in use, in percent: `100 × (1 − MemAvailable / MemTotal)`.
    public let systemMemoryPercent: Double
    /// The number of online processors.
    public let cores: Int
    /// When the snapshot was taken.
    public let takenAt: ContinuousClock.Instant

    /// Creates a snapshot from its values.
    public init(
        rssBytes: Int,
        processCPUPercent: Double?,
        systemMemoryPercent: Double,
        cores: Int,
        takenAt: ContinuousClock.Instant
    ) {
        self.rssBytes = rssBytes
        self.processCPUPercent = processCPUPercent
        self.systemMemoryPercent = systemMemoryPercent
        self.cores = cores
        self.takenAt = takenAt
    }

    /// ``processCPUPercent`` divided by ``cores``: 100 means every core was busy with this process.
    public var processCPUPercentOfAllCores: Double? {
        processCPUPercent.map { $0 / Double(max(cores, 1)) }
    }
}
