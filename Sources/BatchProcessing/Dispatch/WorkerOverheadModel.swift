/// What a worker spends on a batch beyond its service time — taking it off the queue, completing each
/// item and waking its caller — fitted as `c + d·n` for a batch of `n` rows.
///
/// The service time the controller times is the processing function's alone; for a cheap model the
/// work around it is the larger part (measured on linear256: ~7 µs per batch and ~3 µs per item around
/// a kernel of 1.6 µs per row). Left out, a busy worker is predicted free long before it is, and a
/// batch of a few rows looks as cheap per row as a full one. The machine reports each batch's busy
/// time (dispatch to completion, as the worker saw it); the difference from its service time is fitted
/// here by exponentially weighted least squares, as the service time of large batches is.
struct WorkerOverheadModel {
    /// Forgetting factor per batch (0.98 ≈ the last 50 batches dominate).
    var forgetting = 0.98

    private var weight = 0.0
    private var sumN = 0.0
    private var sumO = 0.0
    private var sumNN = 0.0
    private var sumNO = 0.0
    /// Batches measured.
    private(set) var batches = 0

    /// A batch of `rows` rows kept its worker `seconds` beyond its service time.
    mutating func record(rows: Int, seconds: Double) {
        guard rows >= 1, seconds.isFinite else { return }
        var overhead = max(seconds, 0)
        // A worker preempted between its batch and its completions measured the time slice, not the work:
        // clipped at twice the expected overhead (and 50 µs), as service times are.
        if batches >= 3 { overhead = min(overhead, max(2 * time(rows: rows), 50e-6)) }
        let n = Double(rows)
        weight = weight * forgetting + 1
        sumN = sumN * forgetting + n
        sumO = sumO * forgetting + overhead
        sumNN = sumNN * forgetting + n * n
        sumNO = sumNO * forgetting + n * overhead
        batches += 1
    }

    /// The fitted per-batch and per-row overhead, in seconds (zero until a batch is measured).
    var fit: (fixed: Double, perRow: Double) {
        guard weight > 0 else { return (0, 0) }
        let meanN = sumN / weight
        let meanO = sumO / weight
        let varianceN = sumNN / weight - meanN * meanN
        // Sizes too alike to separate the two costs: all of it per batch.
        guard varianceN > 0.01 * meanN * meanN, varianceN > 1e-9 else { return (meanO, 0) }
        var perRow = (sumNO / weight - meanN * meanO) / varianceN
        var fixed = meanO - perRow * meanN
        if perRow < 0 {
            perRow = 0
            fixed = meanO
        }
        if fixed < 0 {
            fixed = 0
            perRow = meanO / max(meanN, 1)
        }
        return (fixed, perRow)
    }

    /// The predicted overhead of a batch of `rows` rows, in seconds.
    func time(rows: Int) -> Double {
        let (fixed, perRow) = fit
        return fixed + perRow * Double(max(rows, 1))
    }
}
