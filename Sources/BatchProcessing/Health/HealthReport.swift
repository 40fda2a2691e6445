/// The result of one health check: the status, why, and the figures it was judged on.
public struct HealthReport: Sendable, Equatable {
    /// The overall status: the worst of the individual checks.
    public var status: HealthStatus
    /// One sentence per check that is not healthy, naming the figure and the threshold.
    public var reasons: [String]
    /// System memory in use, percent (`nil` if it could not be read).
    public var systemMemoryPercent: Double?
    /// The process's resident memory in bytes.
    public var residentBytes: Int?
    /// The process's CPU use since the previous check, percent of one core.
    public var processCPUPercent: Double?
    /// Items queued.
    public var queueSize: Int
    /// Batches the watchdog declared stuck whose workers have not returned.
    public var stuckBatches: Int
    /// Failed over finished items, from the statistics.
    public var errorRate: Double
    /// The 95th percentile per-item latency, from the statistics.
    public var p95Latency: Duration
    /// The circuit breaker's state.
    public var circuit: CircuitState
}
