/// The adaptive controller's target at one moment of a simulated run.
public struct TargetSample: Sendable, Equatable {
    /// Milliseconds from the trace's origin (negative before a load step).
    public var milliseconds: Double
    /// The target batch size, in rows.
    public var target: Int
    /// The controller's reason for it.
    public var reason: String
}
