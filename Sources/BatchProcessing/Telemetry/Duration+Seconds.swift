extension Duration {
    /// The duration in seconds as a `Double`, for rates, statistics and printing.
    ///
    /// The one conversion every module of the package uses, so rates and metrics agree.
    package var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    /// The duration in whole microseconds.
    package var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    /// The duration in whole nanoseconds (truncated toward zero), for the scheduler's integer clock.
    package var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }

    /// `seconds` as a duration, to the nanosecond (for gaps drawn as `Double` seconds).
    package static func seconds(double seconds: Double) -> Duration {
        .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}
