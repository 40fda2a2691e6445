import BatchKitCore

/// The median and range of repeated measurements: what the tables and the JSON report.
public struct Spread: Sendable {
    /// The middle value (the mean of the two middle ones for an even count).
    public var median: Double
    /// The smallest value.
    public var min: Double
    /// The largest value.
    public var max: Double

    /// The spread of `values` (at least one).
    public init(_ values: [Double]) {
        precondition(!values.isEmpty, "a spread needs at least one value")
        let sorted = values.sorted()
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        min = sorted[0]
        max = sorted[sorted.count - 1]
    }

    /// `median (min – max)` with SI rates, for tables.
    public var rateText: String {
        "\(Format.rate(median)) (\(Format.rate(min)) – \(Format.rate(max)))"
    }
}
