/// The median and range of repeated measurements: what the tables and the JSON report.
struct Spread: Sendable {
    var median: Double
    var min: Double
    var max: Double

    /// The spread of `values` (at least one).
    init(_ values: [Double]) {
        precondition(!values.isEmpty, "a spread needs at least one value")
        let sorted = values.sorted()
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        min = sorted[0]
        max = sorted[sorted.count - 1]
    }

    /// `median (min – max)` with SI rates, for tables.
    var rateText: String {
        "\(Format.rate(median)) (\(Format.rate(min)) – \(Format.rate(max)))"
    }
}

extension Duration {
    /// The duration in seconds.
    var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    /// `seconds` as a duration, to the nanosecond.
    static func seconds(double seconds: Double) -> Duration {
        .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}
