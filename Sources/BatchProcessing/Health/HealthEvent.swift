/// A change worth alerting on, delivered by ``BatchProcessor/alerts()`` and logged.
public struct HealthEvent: Sendable, Equatable, CustomStringConvertible {
    /// What changed.
    public enum Kind: Sendable, Equatable {
        /// The overall status changed.
        case statusChanged(from: HealthStatus, to: HealthStatus)
        /// A watched figure crossed its threshold (`check` names it: `memory`, `queue`, `latency_p95`,
        /// `error_rate`, `stuck_batches`, `circuit`).
        case thresholdCrossed(check: String)
        /// A watched figure went back within its threshold.
        case recovered(check: String)
    }

    /// What changed.
    public var kind: Kind
    /// A sentence describing it.
    public var message: String
    /// The health check that found it.
    public var report: HealthReport

    /// The event's ``message``.
    public var description: String { message }
}
