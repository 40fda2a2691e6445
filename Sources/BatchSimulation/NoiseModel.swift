#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a batch's measured time departs from the cost table's median: a multiplicative jitter on every
/// batch, and stalls — a worker descheduled for milliseconds — arriving at random while it computes.
///
/// Fitted by `batchkit-bench cost-table` from every call it timed: `jitter` is the spread of
/// `log(time ÷ median)` of the calls without a stall (the interquartile range ÷ 1.349, a standard
/// deviation that the stalls themselves do not inflate); a call that ran over its median by more than
/// ``stallThreshold`` (and by half its median) counts as stalled, and the stalls' rate per second of computing and their mean
/// excess are what a simulated worker draws from.
public struct NoiseModel: Codable, Sendable, Equatable {
    /// Standard deviation of the log-normal factor each batch's time is multiplied by (0: none).
    public var jitter: Double
    /// Stalls per second of computing (a batch of duration `d` stalls with probability `1 − e^(−rate·d)`).
    public var stallsPerSecond: Double
    /// Mean length of a stall, in seconds (exponentially distributed above ``stallThreshold``).
    public var stallMeanSeconds: Double
    /// The excess over the median above which a call counted as stalled, in seconds.
    public var stallThreshold: Double

    /// A noise model from its four figures.
    public init(jitter: Double, stallsPerSecond: Double, stallMeanSeconds: Double, stallThreshold: Double) {
        self.jitter = jitter
        self.stallsPerSecond = stallsPerSecond
        self.stallMeanSeconds = stallMeanSeconds
        self.stallThreshold = stallThreshold
    }

    /// No noise at all: every batch takes exactly its table time.
    public static let none = NoiseModel(jitter: 0, stallsPerSecond: 0, stallMeanSeconds: 0, stallThreshold: 0)

    /// A batch's time with jitter alone (stalls are placed in time by ``nextStall(after:using:)``).
    public func jittered(median: Double, using random: inout SimulationRandom) -> Double {
        guard jitter > 0 else { return median }
        return median * exp(jitter * random.normal() - jitter * jitter / 2)
    }

    /// The next stall of one worker after `time` seconds: when it begins and how long it lasts.
    ///
    /// Stalls arrive as a Poisson process in time, so in a simulation every setting compared meets the
    /// same stalls at the same moments (common random numbers); one that falls while its worker is idle
    /// costs nothing, so the rate per second of computing fitted from the kernel's calls carries over.
    public func nextStall(after time: Double, using random: inout SimulationRandom) -> (at: Double, length: Double) {
        guard stallsPerSecond > 0 else { return (.infinity, 0) }
        let at = time + random.exponential(mean: 1 / stallsPerSecond)
        return (at, stallThreshold + random.exponential(mean: max(stallMeanSeconds - stallThreshold, 0)))
    }

    /// The time a batch whose median is `median` seconds takes this once, jitter and a stall drawn per
    /// batch (as the fit counted them).
    public func draw(median: Double, using random: inout SimulationRandom) -> Double {
        var time = median
        if jitter > 0 {
            // Mean-preserving log-normal factor: exp(σZ − σ²/2).
            time *= exp(jitter * random.normal() - jitter * jitter / 2)
        }
        if stallsPerSecond > 0 {
            let probability = 1 - exp(-stallsPerSecond * time)
            if random.uniform() < probability {
                time += stallThreshold + random.exponential(mean: max(stallMeanSeconds - stallThreshold, 0))
            }
        }
        return time
    }

    /// Fits a noise model to calls timed at `samples` (each a call's seconds and the median of its size).
    ///
    /// - Parameter threshold: excess over the median from which a call counts as a stall.
    public static func fit(_ samples: [(seconds: Double, median: Double)], threshold: Double) -> NoiseModel {
        var logs: [Double] = []
        var stalls: [Double] = []
        var busy = 0.0
        for sample in samples where sample.median > 0 && sample.seconds > 0 {
            busy += sample.seconds
            let excess = sample.seconds - sample.median
            if excess > threshold && sample.seconds > 1.5 * sample.median {
                stalls.append(excess)
            } else {
                logs.append(log(sample.seconds / sample.median))
            }
        }
        logs.sort()
        var jitter = 0.0
        if logs.count >= 8 {
            let q1 = logs[logs.count / 4]
            let q3 = logs[logs.count * 3 / 4]
            jitter = (q3 - q1) / 1.349
        }
        let rate = busy > 0 ? Double(stalls.count) / busy : 0
        let mean = stalls.isEmpty ? 0 : stalls.reduce(0, +) / Double(stalls.count)
        return NoiseModel(jitter: jitter, stallsPerSecond: rate, stallMeanSeconds: mean, stallThreshold: threshold)
    }
}
