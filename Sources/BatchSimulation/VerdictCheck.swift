/// One of the issue's targets, checked: what was measured, the limit, and whether it was met.
public struct VerdictCheck: Sendable, Equatable, CustomStringConvertible {
    /// What is checked, e.g. `p99 at 80 % ÷ best fixed (fixed-32)`.
    public var name: String
    /// The measured value (a ratio, or milliseconds for the settle time).
    public var value: Double
    /// The limit it is held to.
    public var limit: Double
    /// Whether a lower value is better (`value ≤ limit`) or a higher one (`value ≥ limit`).
    public var atMost: Bool

    /// A check of `value` against `limit`.
    public init(name: String, value: Double, limit: Double, atMost: Bool) {
        self.name = name
        self.value = value
        self.limit = limit
        self.atMost = atMost
    }

    /// Whether the target is met.
    public var met: Bool { atMost ? value <= limit : value >= limit }

    /// `name: value (≤ limit) met|MISS`.
    public var description: String {
        let shown = value.isFinite ? String(format3: value) : "∞"
        return "\(name): \(shown) (\(atMost ? "≤" : "≥") \(String(format3: limit))) \(met ? "met" : "MISS")"
    }
}
