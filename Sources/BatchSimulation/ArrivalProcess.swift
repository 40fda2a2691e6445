/// When open-loop items arrive: a Poisson process whose rate is constant, switches between levels at
/// random (a Markov-modulated Poisson process: bursts), or steps once.
public enum ArrivalProcess: Sendable, Equatable {
    /// Poisson arrivals at `rate` items per second.
    case poisson(rate: Double)
    /// Poisson arrivals whose rate cycles through `rates`, staying in each level for an exponentially
    /// distributed time of mean `meanSeconds` (same index): on/off bursts with two levels.
    case modulated(rates: [Double], meanSeconds: [Double])
    /// Poisson arrivals at `from` items per second until `at` seconds, then at `to`.
    case step(from: Double, to: Double, at: Double)

    /// The long-run mean rate, items per second (for a step: the rate after it).
    public var meanRate: Double {
        switch self {
        case .poisson(let rate): return rate
        case .modulated(let rates, let means):
            let total = means.reduce(0, +)
            return total > 0 ? zip(rates, means).reduce(0) { $0 + $1.0 * $1.1 } / total : 0
        case .step(_, let to, _): return to
        }
    }
}
