/// What the dense path does with NaN or infinite input values.
public enum NonFinitePolicy: String, Sendable, CaseIterable {
    /// Compute with them (they propagate into that item's output only).
    case allow
    /// Fail the item at submit time with `invalidInput`, naming the first bad value.
    case reject
}
