#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Chooses the target batch size from the measured cost of batches and the measured arrival rate.
///
/// The model: a batch of `n` rows takes `t(n) ≈ a + b·n` on one worker (fitted online by exponentially
/// weighted least squares, so it follows BLAS's step-wise behaviour locally), and items arrive at rate
/// `λ` (an exponentially weighted moving average over time). With `W` workers the processor keeps up
/// at size `n` when `W·n / t(n) ≥ λ`. The controller picks the **smallest** such `n`, with headroom:
///
///     n* = ⌈ r·a / (1 − r·b) ⌉,  r = headroom · λ / W       (n* = cap when r·b ≥ 1: saturated)
///
/// Smaller batches mean shorter waits to fill and shorter service, so the smallest sustainable size
/// is the lowest-latency one; at low load it is 1 and items go out at once, because waiting for a
/// batch only pays when batching is needed to keep up (the idea behind BentoML's CORK and Clipper's
/// AIMD). The target is what a batch waits for; once it is met, a batch takes every queued row up to
/// ``batchLimit`` (work-conserving, like greedy), so a backlog drains in larger, cheaper-per-row batches
/// without moving the target. Failures and memory pressure scale both down through the same
/// controller, so there is one owner of the batch size. There are no dead zones: the target follows
/// the model from any size, within `minBatchSize…rowCap`.
struct AdaptiveController {
    /// Why the target is what it is.
    enum Reason: String, Sendable, Codable {
        /// Too few batches measured yet; the configured size holds.
        case warmingUp
        /// The smallest batch that keeps up with arrivals.
        case keepUp
        /// Saturated: arrivals exceed what even the largest batch sustains.
        case saturated
        /// More rows are queued than the target: batches take them all, up to the limit.
        case backlog
        /// Recent failures shrank the target.
        case failureBackoff
        /// System memory pressure shrank the target.
        case memoryPressure
        /// The latency objective capped the target.
        case latencyObjective
        /// Set by `updateBatchSize`.
        case manual
    }

    struct Settings {
        var minBatchSize = 1
        var rowCap = 128
        var workers = 1
        /// The arrival-rate average's time constant.
        var rateTimeConstant: Duration = .milliseconds(100)
        /// Spare capacity asked of the size a batch waits for (1.25 = 25 % more than the arrival rate).
        ///
        /// 1 by default: waiting for more than the size that just keeps up only adds latency, because a
        /// batch takes every queued row once its target is met, so a clump is absorbed by a larger batch
        /// anyway. (Measured: with 1.25, mlp1024 at 80 % load waited ~2 ms per batch for rows it did not
        /// need, and its p99 was 20–40 % above greedy's.)
        var headroom = 1.0
        /// Forgetting factor of the cost fit per batch (0.98 ≈ the last 50 batches dominate).
        var forgetting = 0.98
        /// Optional per-item latency objective (p99 target).
        var targetLatency: Duration?
        /// Share the queue with idle workers only when computing it on one worker is predicted to take
        /// longer than this: waking a second worker costs tens of microseconds of scheduling, more than
        /// a few cheap rows take to compute.
        var shareAbove: Duration = .microseconds(200)
    }

    let settings: Settings
    private(set) var target: Int
    /// The most rows one batch takes once the target is met: the row cap, lowered by the latency
    /// objective, failures and memory pressure.
    private(set) var batchLimit: Int
    private(set) var reason: Reason = .warmingUp
    /// Estimated arrivals per second.
    private(set) var arrivalRate = 0.0

    // Weighted sums for the least-squares fit of t(n) = a + b·n, in seconds.
    private var weight = 0.0
    private var sumN = 0.0
    private var sumT = 0.0
    private var sumNN = 0.0
    private var sumNT = 0.0
    private(set) var batchesMeasured = 0

    /// Batches up to this many rows are timed size by size rather than fitted.
    static let smallSizes = 16

    /// Moving averages of the service time of batches of 1…``smallSizes`` rows (index = rows), in seconds.
    ///
    /// Small batches do not follow a line: one row takes another kernel (sgemv), a dense model may
    /// compute a few rows one by one, and OpenBLAS's cost is step-wise in `n`. Fitted together with
    /// large batches they inflated the fixed cost `a` (3× on mlp1024) and made the controller wait for
    /// rows it did not need. So small sizes are measured, and the fit only sees larger batches.
    private var smallSizeTimes = [Double?](repeating: nil, count: smallSizes + 1)

    /// Average service time of one-row batches, in seconds.
    var singleRowTime: Double? { smallSizeTimes[1] }

    private var arrivalsSinceUpdate = 0
    private var lastRateUpdate: Duration?
    /// The last fit made while batch sizes varied enough to separate `a` from `b`.
    private var lastFit: (fixed: Double, perRow: Double)?
    private var failureScale = 1.0
    private var memoryScale = 1.0
    /// Bumped by every measured batch, so an answer computed from older costs is not reused.
    private var costsVersion = 0
    /// The last answer of ``smallestSustainable(perWorker:cap:)`` and what it was computed from.
    /// `decide` runs on every arrival, under the scheduler's lock, but the answer changes only when the
    /// rate is folded in (at most every millisecond) or a batch is measured.
    private var lastSustainable: (perWorker: Double, cap: Int, costsVersion: Int, size: Int?)?

    init(settings: Settings, initialTarget: Int) {
        self.settings = settings
        self.target = min(max(initialTarget, settings.minBatchSize), settings.rowCap)
        self.batchLimit = settings.rowCap
    }

    /// The fitted cost model: fixed seconds per batch and seconds per row.
    var costModel: (fixed: Double, perRow: Double)? {
        guard batchesMeasured >= 3, weight > 0 else { return nil }
        let meanN = sumN / weight
        let meanT = sumT / weight
        if let fit = currentFit() { return fit }
        // Sizes too alike to tell fixed from per-row cost: keep the last separable fit, scaled to the
        // time now measured at this size; without one, split the time evenly between the two (a neutral
        // prior; natural variation in batch sizes soon gives a real fit).
        if let lastFit {
            let predicted = lastFit.fixed + lastFit.perRow * meanN
            let scale = predicted > 0 ? meanT / predicted : 1
            return (lastFit.fixed * scale, lastFit.perRow * scale)
        }
        return (meanT / 2, max(meanT / (2 * max(meanN, 1)), 1e-12))
    }

    /// The least-squares fit, if the measured sizes vary enough to separate the two costs.
    private func currentFit() -> (fixed: Double, perRow: Double)? {
        let meanN = sumN / weight
        let meanT = sumT / weight
        let varianceN = sumNN / weight - meanN * meanN
        guard varianceN > 0.01 * meanN * meanN, varianceN > 1e-9 else { return nil }
        var perRow = (sumNT / weight - meanN * meanT) / varianceN
        var fixed = meanT - perRow * meanN
        if perRow <= 0 {
            perRow = max(meanT / max(meanN, 1), 1e-12) * 0.01
            fixed = max(meanT - perRow * meanN, 0)
        }
        if fixed < 0 {
            fixed = 0
            perRow = max(meanT / max(meanN, 1), 1e-12)
        }
        return (fixed, perRow)
    }

    /// Whether `rows` rows take long enough on one worker to be worth sharing with idle workers.
    func worthSharing(rows: Int) -> Bool {
        guard let time = serviceTime(rows: rows) else { return false }
        return time > settings.shareAbove.seconds
    }

    /// The predicted service time of a batch of `rows` rows, once anything has been measured.
    ///
    /// A small size not measured yet is estimated from the nearest measured larger small size at its
    /// cost per row — optimistic, since the cost per row falls with size, and self-correcting: a size
    /// the controller chooses gets measured. Past the small sizes the fit answers, or without one the
    /// largest measured small size at its cost per row (pessimistic: batching only gets cheaper).
    func serviceTime(rows: Int) -> Double? {
        let n = max(rows, 1)
        if n <= Self.smallSizes {
            if let measured = smallSizeTimes[n] { return measured }
            for larger in (n + 1)..<(Self.smallSizes + 1) {
                if let time = smallSizeTimes[larger] { return time * Double(n) / Double(larger) }
            }
        }
        if let (fixed, perRow) = costModel { return fixed + perRow * Double(n) }
        for smaller in stride(from: min(n, Self.smallSizes), through: 1, by: -1) {
            if let time = smallSizeTimes[smaller] { return time * Double(n) / Double(smaller) }
        }
        return nil
    }

    /// ``smallestSustainable(perWorker:cap:)``, reusing the last answer while its inputs are unchanged.
    private mutating func sustainableSize(perWorker: Double, cap: Int) -> Int? {
        if let last = lastSustainable, last.perWorker == perWorker, last.cap == cap,
            last.costsVersion == costsVersion
        {
            return last.size
        }
        let size = smallestSustainable(perWorker: perWorker, cap: cap)
        lastSustainable = (perWorker, cap, costsVersion, size)
        return size
    }

    /// The smallest size whose measured or estimated throughput reaches `perWorker` rows per second
    /// per worker; `nil` if no size can be judged yet, `cap` if none reaches it.
    private func smallestSustainable(perWorker: Double, cap: Int) -> Int? {
        var judged = false
        for n in 1...max(1, min(Self.smallSizes, cap)) {
            guard let time = serviceTime(rows: n), time > 0 else { continue }
            judged = true
            if Double(n) / time >= perWorker { return n }
        }
        guard cap > Self.smallSizes, let (fixed, perRow) = costModel else { return judged ? cap : nil }
        let size = Self.smallestSustainable(perWorker: perWorker, fixed: fixed, perRow: perRow, cap: cap)
        return max(size, Self.smallSizes + 1)
    }

    /// An item arrived. O(1): the rate is folded in at the next decision.
    mutating func recordArrival() {
        arrivalsSinceUpdate &+= 1
    }

    /// A batch of `rows` rows took `serviceTime`.
    mutating func recordBatch(rows: Int, serviceTime: Duration, succeeded: Bool) {
        costsVersion &+= 1
        var seconds = serviceTime.seconds
        // A worker preempted mid-batch (other threads share the cores) measures the scheduler's time
        // slice, not the batch: such samples are clipped to twice the expected time, so a few of them
        // cannot double the estimate the way they would a plain mean.
        if let expected = self.serviceTime(rows: rows), expected > 0 { seconds = min(seconds, 2 * expected) }
        if rows >= 1, rows <= Self.smallSizes, seconds > 0, seconds.isFinite {
            smallSizeTimes[rows] = smallSizeTimes[rows].map { $0 + 0.1 * (seconds - $0) } ?? seconds
        } else if rows > Self.smallSizes, seconds > 0, seconds.isFinite {
            let decay = settings.forgetting
            let n = Double(rows)
            weight = weight * decay + 1
            sumN = sumN * decay + n
            sumT = sumT * decay + seconds
            sumNN = sumNN * decay + n * n
            sumNT = sumNT * decay + n * seconds
            batchesMeasured += 1
            if batchesMeasured >= 3, let fit = currentFit() { lastFit = fit }
        }
        if succeeded {
            failureScale = min(1, failureScale * 1.1)
        } else {
            failureScale = max(failureScale * 0.5, 1 / Double(max(settings.rowCap, 1)))
        }
    }

    /// Sets how much memory pressure scales the target (1 = none, 0.5 = halve).
    mutating func setMemoryScale(_ scale: Double) {
        memoryScale = min(max(scale, 0), 1)
    }

    /// Pins the target to `size` until the next decision moves it (the manual override).
    mutating func override(_ size: Int) {
        target = min(max(size, settings.minBatchSize), settings.rowCap)
        reason = .manual
    }

    /// Recomputes the target at `now` from the arrival rate, the cost model and the backlog.
    mutating func decide(now: Duration, queuedRows: Int) {
        updateRate(now: now)
        let cap = settings.rowCap
        let workers = Double(max(settings.workers, 1))
        let perWorker = settings.headroom * arrivalRate / workers
        let model = costModel
        var size: Int
        var why: Reason
        if let sustainable = sustainableSize(perWorker: perWorker, cap: cap) {
            // At low load this is 1: items one at a time keep up, and sending each at once is the
            // lowest latency there is. With no fit yet and no small size keeping up, `cap` goes large
            // to learn.
            size = sustainable
            why = .keepUp
            if size >= cap {
                // Not sustainable with headroom. Short of true saturation, the size that just keeps up
                // is still better than the cap: the cap would flip back and forth with the rate estimate.
                let bare = sustainableSize(perWorker: arrivalRate / workers, cap: cap) ?? cap
                size = bare
                why = bare >= cap ? .saturated : .keepUp
            }
        } else {
            reason = reason == .manual ? .manual : .warmingUp
            return
        }
        // Rows beyond the target only queue up while every worker is busy, so the next free worker takes
        // them all (up to the limit): leaving the surplus for later batches of `size` lets a Poisson clump
        // become a standing queue, and a larger batch costs less per row anyway. The target itself stays:
        // it is what the next batch waits for once the clump is gone.
        if queuedRows > size, size < cap { why = .backlog }
        var limit = cap
        if let objective = settings.targetLatency?.seconds, arrivalRate > 0, let (fixed, perRow) = model {
            // The batch must fill and run within the objective: n/λ + a + b·n ≤ L.
            let bound = (objective - fixed) / (1 / arrivalRate + perRow)
            if bound.isFinite, bound >= 1 {
                limit = min(limit, Int(bound))
                if Double(size) > bound {
                    size = Int(bound)
                    why = .latencyObjective
                }
            }
        }
        let scale = failureScale * memoryScale
        if failureScale < 1 { why = .failureBackoff }
        if memoryScale < 1 { why = .memoryPressure }
        if scale < 1 {
            size = Int((Double(size) * scale).rounded(.down))
            limit = Int((Double(limit) * scale).rounded(.down))
        }
        target = min(max(size, settings.minBatchSize), cap)
        batchLimit = max(target, min(limit, cap))
        reason = why
    }

    /// The smallest `n` with `n / (fixed + perRow·n) ≥ perWorker`, or `cap` if none is.
    private static func smallestSustainable(perWorker: Double, fixed: Double, perRow: Double, cap: Int) -> Int {
        guard perWorker * perRow < 1 else { return cap }
        let needed = perWorker * fixed / (1 - perWorker * perRow)
        return needed.isFinite ? Int(min(max(needed.rounded(.up), 1), Double(cap))) : cap
    }

    private mutating func updateRate(now: Duration) {
        guard let last = lastRateUpdate else {
            lastRateUpdate = now
            arrivalsSinceUpdate = 0
            return
        }
        let elapsed = (now - last).seconds
        // Fold in at most every millisecond: shorter intervals make the instantaneous rate noise.
        guard elapsed >= 0.001 else { return }
        let instant = Double(arrivalsSinceUpdate) / elapsed
        let alpha = 1 - exp(-elapsed / settings.rateTimeConstant.seconds)
        arrivalRate += alpha * (instant - arrivalRate)
        arrivalsSinceUpdate = 0
        lastRateUpdate = now
    }
}
