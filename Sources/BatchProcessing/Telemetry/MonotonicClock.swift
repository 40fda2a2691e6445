#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The scheduler's time source: whole nanoseconds as a plain integer, read from the clock that
/// `ContinuousClock` reads.
///
/// Every item's submission and completion is stamped on the hot path, and the telemetry subtracts and
/// sums those stamps per item; on `Duration` (128-bit attoseconds) that arithmetic and each conversion
/// for the histogram cost hundreds of instructions an item. Integers are converted to `Duration` only
/// per batch or when statistics are read.
enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point (boot on Linux).
    @inline(__always)
    static func nanoseconds() -> Int64 {
        var time = timespec()
        #if os(Linux) || os(Android)
            // CLOCK_BOOTTIME keeps counting through a suspend, as `ContinuousClock` does.
            clock_gettime(CLOCK_BOOTTIME, &time)
        #else
            clock_gettime(CLOCK_MONOTONIC_RAW, &time)
        #endif
        return Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
    }

    /// A reading of ``nanoseconds()`` as an instant of `ContinuousClock`, which reads the same clock.
    static func instant(nanoseconds: Int64) -> ContinuousClock.Instant {
        epoch.instant + .nanoseconds(nanoseconds &- epoch.nanoseconds)
    }

    /// One reading of each clock, taken together once, to convert between them.
    private static let epoch = (instant: ContinuousClock.now, nanoseconds: nanoseconds())
}
