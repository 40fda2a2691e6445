extension Duration {
    /// The duration in seconds, for rates and for printing.
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    /// `seconds` as a duration, to the nanosecond: Poisson gaps are drawn as `Double` seconds.
    public static func seconds(double seconds: Double) -> Duration {
        .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}
