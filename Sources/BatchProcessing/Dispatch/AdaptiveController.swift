#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Chooses the target batch size from the measured cost of batches and the measured arrival rate.
///
/// The model: a batch of `n` rows takes `t(n)` on one worker — measured size by size up to
/// ``smallSizes`` rows and fitted as `a + b·n` above (exponentially weighted least squares, so it
/// follows BLAS's step-wise behaviour locally) — and items arrive at rate `λ` (an exponentially
/// weighted moving average over time).
///
/// The target is what a free worker waits for, and it waits only while waiting is expected to pay
/// (BentoML's CORK rule, extended to several workers). With `q` rows queued, waiting for one more
/// arrival delays those `q` rows by the gap `1/λ` and the extra row's cost, and the batch of `q + 1`
/// then takes `t(q + 1)`; sending now instead leaves the next arrival to wait for the first worker to
/// come free — after `t(q)/W` on average while the other workers are busy too — and then run alone:
///
///     wait while  q·(1/λ + t(q+1) − t(q)) + t(q+1)  <  max(0, t(q)/W − 1/λ) + t(1)
///
/// So the controller waits only when a batch's fixed cost is large against the gap between arrivals
/// (an accelerator's launch cost, a model whose weights are re-read per call); when another worker is
/// idle the next arrival would start at once, so nothing is waited for at all (the scheduler's
/// `idleWorker` dispatch). Once the target is met, a batch takes the queued rows up to ``batchLimit``
/// (work-conserving, like greedy; the scheduler splits a long queue with a worker that comes free
/// sooner than the whole queue would compute): a backlog drains in larger, cheaper-per-row batches by
/// itself, so the target never has to be raised to keep up — measured on this project's dense models, waiting
/// for the "smallest size that keeps up" instead cost 1.3–3× greedy's p99 near saturation, because
/// that size is steep in its noisy inputs (`r·a/(1 − r·b)`). Failures and memory pressure scale the
/// target and the limit down through the same controller, so there is one owner of the batch size.
/// There are no dead zones: the target follows the model from any size, within `minBatchSize…rowCap`.
struct AdaptiveController {
    /// Why the target is what it is.
    enum Reason: String, Sendable, Codable {
        /// Too few batches measured yet; the configured size holds.
        case warmingUp
        /// Waiting for another row is not expected to pay: rows go out as soon as a worker is free.
        case sendNow
        /// A batch's fixed cost is large against the gap between arrivals: a free worker waits for the
        /// target (never past the batch timeout).
        case waitPays
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
        /// Forgetting factor of the cost fit per batch (0.98 ≈ the last 50 batches dominate).
        var forgetting = 0.98
        /// Optional per-item latency objective (p99 target).
        var targetLatency: Duration?
        /// Share the queue with idle workers only when it is predicted to keep one worker (computing the
        /// batch and answering its items) longer than this: waking a second worker costs a wake-up
        /// (measured: ~12 µs on this project's guests) and a batch's work around it, more than a few
        /// cheap rows take to compute. 200 µs left the open loop's clumps of a dozen linear256 rows on one
        /// worker while the other sat idle; in the simulator (noise off) linear256's p99 misses at
        /// 50–90 % load went with 50 µs.
        var shareAbove: Duration = .microseconds(50)
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

    /// The measured small sizes: rows → average service time in seconds.
    var measuredSmallSizes: [Int: Double] {
        var measured: [Int: Double] = [:]
        for (rows, time) in smallSizeTimes.enumerated() {
            if let time { measured[rows] = time }
        }
        return measured
    }

    private var arrivalsSinceUpdate = 0
    private var lastRateUpdate: Duration?
    /// The last fit made while batch sizes varied enough to separate `a` from `b`.
    private var lastFit: (fixed: Double, perRow: Double)?
    private var failureScale = 1.0
    private var memoryScale = 1.0
    /// The worker's time per batch beyond the service time (see ``WorkerOverheadModel``).
    private(set) var overhead = WorkerOverheadModel()

    init(settings: Settings, initialTarget: Int) {
        self.settings = settings
        self.target = min(max(initialTarget, settings.minBatchSize), settings.rowCap)
        self.batchLimit = settings.rowCap
    }

    /// The fitted cost model: fixed seconds per batch and seconds per row.
    var costModel: (fixed: Double, perRow: Double)? { fittedModel }

    /// ``costModel``, worked out when a batch above the small sizes is measured: a dispatch reads it
    /// for every size its split and trim weigh, a few dozen times under the scheduler's lock.
    private var fittedModel: (fixed: Double, perRow: Double)?

    private func fitCostModel() -> (fixed: Double, perRow: Double)? {
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

    /// Whether `rows` rows keep one worker long enough to be worth sharing with idle workers.
    ///
    /// The worker's time, not the service time: answering the items is part of what a second worker
    /// would take off the first, and on a cheap model it is most of it.
    func worthSharing(rows: Int) -> Bool {
        guard let time = workerTime(rows: rows) else { return false }
        return time > settings.shareAbove.inSeconds
    }

    /// The predicted service time of a batch of `rows` rows, once anything has been measured.
    ///
    /// A small size not measured yet is interpolated between the nearest measured sizes around it;
    /// without a smaller one, estimated from the nearest larger one at its cost per row; and above every
    /// measured small size, at the cheapest cost per row measured among them. Both are optimistic and
    /// self-correcting: a size the controller chooses gets measured. The fit of larger batches is no
    /// guide there: a small-batch kernel can be cheapest per row at its largest size and the GEMM sizes
    /// above it dearer (mlp1024 on an AVX2 guest: 61 µs per row at 16 rows, 79 at 20), and estimated
    /// from them, 16 rows was never tried, and backlogs went out as slower GEMM batches of 20–60 rows.
    /// Past the small sizes the fit answers, or without one the largest measured small size at its cost
    /// per row (pessimistic: batching only gets cheaper).
    func serviceTime(rows: Int) -> Double? { estimate(rows: rows)?.seconds }

    /// ``serviceTime(rows:)``, and whether it scales a larger measured size down in proportion (a small
    /// size with no smaller one measured), which leaves out any fixed cost.
    private func estimate(rows: Int) -> (seconds: Double, scaledFromLarger: Bool)? {
        let n = max(rows, 1)
        if n <= Self.smallSizes {
            if let measured = smallSizeTimes[n] { return (measured, false) }
            var below: (rows: Int, time: Double)?
            for smaller in stride(from: n - 1, through: 1, by: -1) {
                if let time = smallSizeTimes[smaller] {
                    below = (smaller, time)
                    break
                }
            }
            for larger in (n + 1)..<(Self.smallSizes + 1) {
                guard let time = smallSizeTimes[larger] else { continue }
                guard let below else { return (time * Double(n) / Double(larger), true) }
                let fraction = Double(n - below.rows) / Double(larger - below.rows)
                return (below.time + fraction * (time - below.time), false)
            }
            if below != nil {
                var cheapest = Double.infinity
                for (size, time) in smallSizeTimes.enumerated() {
                    if let time { cheapest = min(cheapest, time / Double(size)) }
                }
                return (cheapest * Double(n), false)
            }
        }
        if let (fixed, perRow) = costModel { return (fixed + perRow * Double(n), false) }
        for smaller in stride(from: min(n, Self.smallSizes), through: 1, by: -1) {
            if let time = smallSizeTimes[smaller] { return (time * Double(n) / Double(smaller), false) }
        }
        return nil
    }

    /// The predicted time a batch of `rows` rows keeps its worker: service time plus the work around it.
    func workerTime(rows: Int) -> Double? {
        serviceTime(rows: rows).map { $0 + overhead.time(rows: rows) }
    }

    /// The batch size of at most `rows` (and at least `floor`) rows for a worker to take from a backlog:
    /// the small size that costs a worker least per row, unless `rows` rows cost clearly less.
    ///
    /// Near saturation a backlog drains only by the workers' spare capacity, a few per cent of it, so a
    /// size 1 % dearer per row than the cheapest takes a real share of that and the backlog a stall
    /// leaves lasts longer: among the small sizes the cheapest per row is taken (sizes within
    /// ``equalCost`` of it, closer than any estimate here resolves, count as equally cheap, and the
    /// smallest of them wins). A batch above the small sizes is taken only when it costs at least
    /// ``largerBatchMargin`` less per row than that: each of its rows is answered only when the whole
    /// batch is done, and its price is read off a line fitted through the large batches, whose error is
    /// of the order of the difference wherever the cost per row has flattened out.
    ///
    /// A small size above every measured one is priced at the cheapest rate measured (see
    /// ``serviceTime(rows:)``), so it ties with the size measured at that rate; the largest such (`rows`
    /// included, when nothing it could be estimated from was measured) is taken instead, so that it gets
    /// measured rather than passed over for good.
    ///
    /// Small sizes are measured one by one and need not cost less per row as they grow (a dense model's
    /// small-batch kernel ends at 16 rows, and the first GEMM sizes above it cost more per row — measured
    /// on mlp1024: 61 µs per row at 16 rows, 79 at 20); above ``smallSizes`` the fitted line's cost per
    /// row only falls, so `rows` itself is the one candidate there.
    func efficientSize(atMost rows: Int, atLeast floor: Int) -> Int {
        let low = max(floor, 1)
        let top = min(rows - 1, Self.smallSizes)
        guard top >= low, let whole = workerTime(rows: rows) else { return max(rows, 1) }
        let largestMeasured = smallSizeTimes.lastIndex { $0 != nil } ?? 0
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: Self.smallSizes + 1) { perRow in
            // Each candidate's cost per row, once (infinity where none can be estimated).
            let wholePerRow = whole / Double(rows)
            var leastSmall = Double.infinity
            for size in low...top {
                perRow[size] = workerTime(rows: size).map { $0 / Double(size) } ?? .infinity
                leastSmall = min(leastSmall, perRow[size])
            }
            let largerPays = rows <= Self.smallSizes || wholePerRow * (1 + Self.largerBatchMargin) < leastSmall
            let limit = (largerPays ? min(leastSmall, wholePerRow) : leastSmall) * (1 + Self.equalCost)
            // `rows` itself counts as unmeasured above the small sizes until batches there are fitted.
            let rowsUnmeasured = rows > largestMeasured && (rows <= Self.smallSizes || costModel == nil)
            if rowsUnmeasured, wholePerRow <= limit { return rows }
            for size in stride(from: top, to: max(largestMeasured, low - 1), by: -1) where perRow[size] <= limit {
                return size
            }
            for size in low...top where perRow[size] <= limit { return size }
            return rows
        }
    }

    /// Costs per row closer than this (relative) count as equal when a backlog's batch size is chosen.
    static let equalCost = 0.001

    /// How much less per row a batch above ``smallSizes`` must cost than the cheapest small size to be
    /// taken from a backlog instead (see ``efficientSize(atMost:atLeast:)``).
    static let largerBatchMargin = 0.03

    /// The smallest queue at which waiting for one more row stops paying (see the type's discussion);
    /// `nil` while no service time can be estimated.
    ///
    /// Times are the worker's (``workerTime(rows:)``): a batch sent now costs its worker the work around
    /// the service time too, and that is what the next arrival waits out.
    private func waitForSize(rate: Double, cap: Int) -> Int? {
        guard let single = workerTime(rows: 1) else { return nil }
        guard rate > 0 else { return 1 }
        let gap = 1 / rate
        let workers = Double(max(settings.workers, 1))
        var current = single
        for queued in 1..<max(cap, 1) {
            guard let next = workerTime(rows: queued + 1) else { return queued }
            let costOfWaiting = Double(queued) * (gap + max(next - current, 0)) + next
            let costOfSending = max(0, current / workers - gap) + single
            if costOfWaiting >= costOfSending { return queued }
            current = next
        }
        return max(cap, 1)
    }

    /// The largest batch that fills at `rate` and runs within `objective` (`n/λ + t(n) ≤ L`), or `nil` if
    /// not even one row does (the objective then cannot shape the batch size) or no cost is known.
    ///
    /// A binary search: both terms grow with `n`.
    private func largestSizeWithin(_ objective: Double, rate: Double, cap: Int) -> Int? {
        func fits(_ rows: Int) -> Bool {
            guard let time = serviceTime(rows: rows) else { return false }
            return Double(rows) / rate + time <= objective
        }
        guard fits(1) else { return nil }
        var (low, high) = (1, max(cap, 1))
        while low < high {
            let middle = (low + high + 1) / 2
            if fits(middle) { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// Whether `rate` items per second exceed what `workers` workers sustain even at `cap` rows a batch.
    private func isSaturated(rate: Double, cap: Int) -> Bool {
        guard let time = workerTime(rows: cap), time > 0 else { return false }
        return rate > Double(max(settings.workers, 1) * cap) / time
    }

    /// Whether the arrivals counted since the rate was last folded in are due to be (every millisecond).
    func rateIsDue(now: Duration) -> Bool {
        guard let last = lastRateUpdate else { return true }
        return now - last >= Self.rateInterval
    }

    /// The shortest interval over which arrivals are turned into a rate: shorter ones make it noise.
    static let rateInterval = Duration.milliseconds(1)

    /// An item arrived. O(1): the rate is folded in at the next decision.
    mutating func recordArrival() {
        arrivalsSinceUpdate &+= 1
    }

    /// A batch of `rows` rows took `serviceTime`, and kept its worker `busyTime` from dispatch to
    /// completion (`nil` when not known: a failed batch).
    mutating func recordBatch(rows: Int, serviceTime: Duration, busyTime: Duration? = nil, succeeded: Bool) {
        if let busyTime { overhead.record(rows: rows, seconds: (busyTime - serviceTime).inSeconds) }
        var seconds = serviceTime.inSeconds
        // A worker preempted mid-batch (other threads share the cores) measures the scheduler's time
        // slice, not the batch. Such a sample counts as at most a quarter above the estimate: what the
        // controller needs is a size's typical time, and stalls, which no size avoids, inflated it by
        // several per cent even clipped at twice the estimate, so splits held rows back for a worker
        // predicted busier than it was and backlogs were trimmed to sizes cheaper only by that noise.
        // A size's first sample is clipped too: priced too high, a size is never chosen again and so
        // never corrected, while priced too low it is chosen, measured, and rises 2.5 % a batch. The
        // exception is a size below every measured one, whose estimate scales a larger size down and
        // leaves out the fixed cost: there the sample is the first real figure, taken as it is.
        if let (expected, scaledFromLarger) = estimate(rows: rows), !scaledFromLarger, expected > 0 {
            seconds = min(seconds, Self.sampleCeiling * expected)
        }
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
            fittedModel = fitCostModel()
        }
        if succeeded {
            failureScale = min(1, failureScale * 1.1)
        } else {
            failureScale = max(failureScale * 0.5, 1 / Double(max(settings.rowCap, 1)))
        }
    }

    /// The most a batch's measured time counts for, as a multiple of the size's estimate.
    static let sampleCeiling = 1.25

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
        guard var size = waitForSize(rate: arrivalRate, cap: cap) else {
            reason = reason == .manual ? .manual : .warmingUp
            return
        }
        var why: Reason = size > 1 ? .waitPays : .sendNow
        if isSaturated(rate: arrivalRate, cap: cap) { why = .saturated }
        // Rows beyond the target only queue up while every worker is busy, so the next free worker takes
        // them all (up to the limit): leaving the surplus for later batches of `size` lets a Poisson clump
        // become a standing queue, and a larger batch costs less per row anyway. The target itself stays:
        // it is what the next batch waits for once the clump is gone.
        if queuedRows > size, size < cap, why != .saturated { why = .backlog }
        var limit = cap
        if let objective = settings.targetLatency?.inSeconds, arrivalRate > 0,
            let bound = largestSizeWithin(objective, rate: arrivalRate, cap: cap)
        {
            limit = min(limit, bound)
            if size > bound {
                size = bound
                why = .latencyObjective
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

    private mutating func updateRate(now: Duration) {
        guard let last = lastRateUpdate else {
            lastRateUpdate = now
            arrivalsSinceUpdate = 0
            return
        }
        guard now - last >= Self.rateInterval else { return }
        let elapsed = (now - last).inSeconds
        let instant = Double(arrivalsSinceUpdate) / elapsed
        let alpha = 1 - exp(-elapsed / settings.rateTimeConstant.inSeconds)
        arrivalRate += alpha * (instant - arrivalRate)
        arrivalsSinceUpdate = 0
        lastRateUpdate = now
    }
}
