/// How well the processor is doing, from the last health check.
public enum HealthStatus: String, Sendable, Codable, Comparable {
    /// Every check passed.
    case healthy
    /// Serving, but a warning threshold is crossed (memory, queue, latency, errors, a stuck batch).
    case degraded
    /// A critical threshold is crossed, or the circuit breaker is open.
    case unhealthy

    private var rank: Int {
        switch self {
        case .healthy: 0
        case .degraded: 1
        case .unhealthy: 2
        }
    }

    public static func < (lhs: HealthStatus, rhs: HealthStatus) -> Bool { lhs.rank < rhs.rank }
}
