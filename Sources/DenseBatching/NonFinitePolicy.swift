/// What the dense path does with NaN or infinite input values.
///
/// The default, ``propagate``, computes with them as NumPy and PyTorch do: the epilogue carries a NaN
/// or an infinity through every activation exactly as the float64 definitions do (a NaN row comes out
/// NaN, `sigmoid(+∞) = 1`), and only that item's output is affected, never its batch neighbours'.
/// ``reject`` refuses such an item before it is batched, naming the first bad value.
public enum NonFinitePolicy: String, Sendable, CaseIterable {
    /// Compute with them; they propagate into that item's output only, as the float64 reference does.
    case propagate
    /// Fail the item at submit time with `invalidInput`, naming the first bad value.
    case reject

    /// The former name of ``propagate``.
    @available(*, deprecated, renamed: "propagate")
    public static var allow: NonFinitePolicy { .propagate }
}
