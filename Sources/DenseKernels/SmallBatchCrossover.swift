/// Where a model switches from the packed small-batch kernel to OpenBLAS, decided from paired timings.
///
/// The decision is made so that run-to-run noise cannot move it far: each candidate batch size is timed
/// both ways several times, and the limit is the one whose worst size loses least to the other path,
/// with losses within ``margin`` counted as ties that go to the kernel. A size where the two are that
/// close can land on either side from one run to the next, but then either path is within the margin of
/// the other; a size where one path is clearly faster (the 2× gaps that matter) lands on the same side
/// every time the curve allows it.
public struct SmallBatchCrossover: Sendable, Equatable {
    /// Paired timings at one batch size: seconds per forward pass, packed kernel and OpenBLAS.
    public struct Measurement: Sendable, Equatable {
        /// The batch size.
        public var rows: Int
        /// Seconds per call with the packed kernel, one entry per timed run.
        public var packed: [Double]
        /// Seconds per call with OpenBLAS, one entry per timed run.
        public var blas: [Double]

        /// Creates a measurement.
        public init(rows: Int, packed: [Double], blas: [Double]) {
            self.rows = rows
            self.packed = packed
            self.blas = blas
        }

        /// The packed kernel's median time over OpenBLAS's: below 1 the kernel is faster.
        ///
        /// Medians, not best runs: a path whose runs vary widely (large batches on large layers, where
        /// the cache is shared with other work) would win on an occasional fast run while losing on most.
        public var ratio: Double { Self.median(packed) / Self.median(blas) }

        static func median(_ values: [Double]) -> Double {
            guard !values.isEmpty else { return .nan }
            let sorted = values.sorted()
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }
    }

    /// How much slower (as a fraction) the packed kernel may be at a size and still keep it: a tie goes
    /// to the kernel, which allocates nothing and wakes no threads.
    public static let margin = 0.05

    /// The fewest timed runs per path that count; a size with fewer (the budget ran out) decides nothing.
    public static let minimumRuns = 5

    /// The limit to use for `kernel` before (or without) a calibration: the crossover measured on each
    /// kind of machine the project runs on, with one BLAS thread.
    public static func prior(for kernel: SmallBatchKernel) -> Int {
        switch kernel {
        case .portable: return 1
        case .avx2: return 64
        case .avx512: return 64
        }
    }

    /// The measurements the decision was made from, smallest batch first.
    public var measurements: [Measurement]
    /// The largest batch size that takes the packed kernel (0 or 1: `sgemm` from two rows up).
    public var limit: Int
    /// Whether one row takes the packed kernel rather than `sgemv`; `nil` if one row was not decided.
    public var singleRow: Bool?
    /// Whether every candidate was decided (else the time budget ran out and the prior filled in).
    public var complete: Bool

    /// Decides the limit from `measurements` (any order).
    ///
    /// One row is decided on its own (OpenBLAS's path there is `sgemv`, not `sgemm`): the kernel keeps it
    /// unless more than ``margin`` slower. From two rows up the limit is the one whose worst size costs
    /// least: each candidate limit (every decided size, or none) sends the sizes up to it to the kernel
    /// and the rest to OpenBLAS, and its cost is the most any decided size then loses to the other path
    /// (chosen time over the other's). Among limits whose cost is within ``margin`` (or equal to the
    /// least, if none is) the one whose losses past the margin sum least wins, and of those the largest —
    /// a tie goes to the kernel. A single threshold cannot follow a curve that crosses twice (a kernel
    /// with a fixed cost per call that loses at the smallest sizes and wins above them), and stopping at
    /// the first loss would then hand every size to the slower path; this rule takes the smaller loss.
    ///
    /// Sizes are decided in order from the smallest: one with fewer than ``minimumRuns`` timings per path
    /// ends the decided sizes (the budget ran out), and so do no measurements at all. If the kernel kept
    /// every decided size, the limit is the larger of the largest of them and `prior`.
    public init(measurements: [Measurement], prior: Int) {
        let sorted = measurements.sorted { $0.rows < $1.rows }
        let one = sorted.first { $0.rows == 1 }
        if let one, one.packed.count >= Self.minimumRuns, one.blas.count >= Self.minimumRuns {
            singleRow = one.ratio <= 1 + Self.margin
        } else {
            singleRow = nil
        }
        var decided: [Measurement] = []
        var complete = true
        for measurement in sorted where measurement.rows >= 2 {
            guard measurement.packed.count >= Self.minimumRuns, measurement.blas.count >= Self.minimumRuns else {
                complete = false
                break
            }
            decided.append(measurement)
        }
        if decided.isEmpty { complete = false }
        let ratios = decided.map(\.ratio)
        // Sending the first `count` decided sizes to the kernel and the rest to OpenBLAS: the largest loss
        // (chosen time over the other's, 1 if none) and the losses past the margin, summed.
        func cost(keeping count: Int) -> (worst: Double, excess: Double) {
            var (worst, excess) = (1.0, 0.0)
            for (index, ratio) in ratios.enumerated() {
                let loss = index < count ? ratio : 1 / ratio
                worst = max(worst, loss)
                excess += max(0, loss - 1 - Self.margin)
            }
            return (worst, excess)
        }
        let costs = (0...ratios.count).map { cost(keeping: $0) }
        let acceptable = max(costs.map(\.worst).min() ?? 1, 1 + Self.margin)
        let candidates = costs.indices.filter { costs[$0].worst <= acceptable }
        let leastExcess = candidates.map { costs[$0].excess }.min() ?? 0
        let kept = candidates.last { costs[$0].excess <= leastExcess } ?? 0
        let limit = kept == 0 ? 0 : decided[kept - 1].rows
        self.measurements = sorted
        self.complete = complete
        self.limit = !complete && kept == ratios.count ? max(limit, prior) : limit
    }

    /// A line such as `1: 0.61, 2: 0.48, …, 256: 1.20 → packed up to 128 rows`.
    public var summary: String {
        let ratios = measurements.map { "\($0.rows): \(($0.ratio * 100).rounded() / 100)" }.joined(separator: ", ")
        let one = singleRow.map { $0 ? "1 row packed, " : "1 row sgemv, " } ?? ""
        let choice = limit <= 1 ? "sgemm from 2 rows" : "packed up to \(limit) rows"
        return "packed ÷ OpenBLAS time \(ratios) → \(one)\(choice)" + (complete ? "" : " (budget ran out; prior used)")
    }
}
