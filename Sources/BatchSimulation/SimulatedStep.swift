/// The adaptive controller through a load step: how fast its target settles and whether it stays put.
public struct SimulatedStep: Sendable {
    /// Loads before and after the step, as fractions of the capacity.
    public var from: Double
    public var to: Double
    /// The run (its trace's time zero is the step).
    public var result: SimulationResult
    /// Milliseconds from the step until the target settled within 10 % (`nil`: it did not).
    public var settleMilliseconds: Double?
    /// The target before the step (median of the last 100 ms) and after it (median of the last quarter).
    public var targetBefore: Int
    public var targetAfter: Int
    /// The smoothed target's swing once settled (from 1 s after the step), and its median.
    public var swing: Int
    public var swingMedian: Int
}
