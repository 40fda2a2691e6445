#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A seeded pseudo-random generator (SplitMix64) with the draws the simulator needs.
///
/// Every stream of randomness in a simulation — arrivals, bursts, service-time noise — has its own
/// generator seeded from the run's seed and a stream number, so changing the batching setting changes
/// no arrival time: every setting compared sees the same load (common random numbers).
public struct SimulationRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator for `stream` of the run seeded `seed`.
    public init(seed: UInt64, stream: UInt64 = 0) {
        state = seed &* 0x9E37_79B9_7F4A_7C15 &+ stream &* 0xD1B5_4A32_D192_ED03 &+ 0x2545_F491_4F6C_DD1D
        _ = next()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<1`.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Exponentially distributed with mean `mean`.
    public mutating func exponential(mean: Double) -> Double { -log1p(-uniform()) * mean }

    /// Standard normal (Box–Muller; one of the pair is dropped, which keeps the stream simple).
    public mutating func normal() -> Double {
        let u1 = max(uniform(), 0x1p-60)
        let u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
