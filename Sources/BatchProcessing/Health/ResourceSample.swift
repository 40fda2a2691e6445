/// What the health monitor reads about the machine and the process.
public struct ResourceSample: Sendable, Equatable {
    /// System memory in use, percent.
    public var systemMemoryPercent: Double?
    /// The process's resident memory in bytes.
    public var residentBytes: Int?
    /// The process's CPU use since the previous sample, percent of one core.
    public var processCPUPercent: Double?

    /// Creates a sample.
    public init(systemMemoryPercent: Double? = nil, residentBytes: Int? = nil, processCPUPercent: Double? = nil) {
        self.systemMemoryPercent = systemMemoryPercent
        self.residentBytes = residentBytes
        self.processCPUPercent = processCPUPercent
    }
}
