import DenseKernels
import Testing

/// The crossover decision on injected timings: no clock, so these tests check the rule, not the machine.
@Suite struct SmallBatchCrossoverTests {
    /// Seven runs per path, each the given time scaled by the given noise factors.
    static func measurement(
        rows: Int, packed: Double, blas: Double, noise: [Double] = Array(repeating: 1, count: 7)
    ) -> SmallBatchCrossover.Measurement {
        SmallBatchCrossover.Measurement(
            rows: rows, packed: noise.map { packed * $0 }, blas: noise.reversed().map { blas * $0 })
    }

    @Test func theKernelKeepsEverySizeUpToTheFirstClearLoss() {
        let measurements = [
            Self.measurement(rows: 1, packed: 1, blas: 3),
            Self.measurement(rows: 8, packed: 1, blas: 1.5),
            Self.measurement(rows: 32, packed: 1.2, blas: 1),
            // A small win past a loss is not taken: keeping 64 rows would keep 32, a larger loss.
            Self.measurement(rows: 64, packed: 1, blas: 1.1),
        ]
        let crossover = SmallBatchCrossover(measurements: measurements.shuffled(), prior: 100)
        #expect(crossover.limit == 8)
        #expect(crossover.complete)
        #expect(crossover.measurements.map(\.rows) == [1, 8, 32, 64])
    }

    @Test func aCurveThatCrossesTwiceLosesAtTheSmallerGap() {
        // A kernel with a fixed cost per call loses at 2 rows, then wins 2–4× up to 128 rows. Stopping at
        // the first loss would send 4–128 rows to a path 2–4× slower.
        let measurements = [
            Self.measurement(rows: 2, packed: 1.8, blas: 1),
            Self.measurement(rows: 4, packed: 1, blas: 1.2),
            Self.measurement(rows: 8, packed: 1, blas: 4),
            Self.measurement(rows: 16, packed: 1, blas: 2.3),
            Self.measurement(rows: 128, packed: 1, blas: 1.2),
            Self.measurement(rows: 256, packed: 1.4, blas: 1),
        ]
        let crossover = SmallBatchCrossover(measurements: measurements, prior: 0)
        #expect(crossover.limit == 128)
        #expect(crossover.complete)
        // The same curve with the loss at 2 rows larger than every win after it: OpenBLAS from 2 rows.
        var deeper = measurements
        deeper[0] = Self.measurement(rows: 2, packed: 5, blas: 1)
        #expect(SmallBatchCrossover(measurements: deeper, prior: 0).limit == 0)
    }

    @Test func oneRowIsDecidedApart() {
        // sgemv beats the kernel at one row, GEMM loses from two rows up: both decisions stand.
        let measurements = [
            Self.measurement(rows: 1, packed: 1.5, blas: 1),
            Self.measurement(rows: 2, packed: 1, blas: 4),
            Self.measurement(rows: 4, packed: 1, blas: 2),
        ]
        let crossover = SmallBatchCrossover(measurements: measurements, prior: 100)
        #expect(crossover.singleRow == false)
        #expect(crossover.limit == 4)
        let kernelWins = SmallBatchCrossover(measurements: [Self.measurement(rows: 1, packed: 1, blas: 1.2)], prior: 9)
        #expect(kernelWins.singleRow == true)
        // Nothing from two rows up: the prior.
        #expect(kernelWins.limit == 9)
        #expect(SmallBatchCrossover(measurements: [], prior: 9).singleRow == nil)
    }

    @Test func aTieWithinTheMarginGoesToTheKernel() {
        let withinMargin = 1 + SmallBatchCrossover.margin * 0.9
        let pastMargin = 1 + SmallBatchCrossover.margin * 1.1
        #expect(
            SmallBatchCrossover(
                measurements: [Self.measurement(rows: 4, packed: withinMargin, blas: 1)], prior: 0
            ).limit == 4)
        #expect(
            SmallBatchCrossover(measurements: [Self.measurement(rows: 4, packed: pastMargin, blas: 1)], prior: 9)
                .limit == 0)
    }

    @Test func anUndecidedSizeFallsBackToThePrior() {
        var short = Self.measurement(rows: 16, packed: 1, blas: 2)
        short.packed.removeLast(3)
        let measurements = [Self.measurement(rows: 8, packed: 1, blas: 2), short]
        let crossover = SmallBatchCrossover(measurements: measurements, prior: 64)
        #expect(crossover.limit == 64)
        #expect(!crossover.complete)
        // The prior never lowers what was measured.
        #expect(SmallBatchCrossover(measurements: measurements, prior: 2).limit == 8)
        #expect(SmallBatchCrossover(measurements: [], prior: 5).limit == 5)
        // A loss before the budget ran out is a decision, whatever the prior says.
        let lost = [Self.measurement(rows: 8, packed: 2, blas: 1), short]
        #expect(SmallBatchCrossover(measurements: lost, prior: 64).limit == 0)
    }

    /// With per-run noise of up to ±2 % on each path, and true cost curves that cross anywhere, the
    /// chosen path at every measured size is never more than 10 % slower than the other, and two noisy
    /// runs on the same machine choose differently only at sizes where both paths are within 10 %.
    @Test func noisyRunsNeverPickAPathMoreThanTenPercentSlower() {
        var generator = SplitMix64(seed: 77)
        let sizes = SmallBatchCrossover.defaultCandidates
        for _ in 0..<500 {
            // The kernel's time over GEMM's rises with the batch size (GEMM amortises its packing).
            let start = Double.random(in: 0.3...1.2, using: &generator)
            let growth = Double.random(in: 1.0...1.4, using: &generator)
            var trueRatios: [Int: Double] = [:]
            for (index, rows) in sizes.enumerated() { trueRatios[rows] = start * pow(growth, Double(index)) }
            var limits: [Int] = []
            var singleRows: [Bool] = []
            for _ in 0..<2 {
                let measurements = sizes.map { rows in
                    SmallBatchCrossover.Measurement(
                        rows: rows,
                        packed: (0..<7).map { _ in trueRatios[rows]! * Double.random(in: 0.98...1.02, using: &generator)
                        },
                        blas: (0..<7).map { _ in Double.random(in: 0.98...1.02, using: &generator) })
                }
                let crossover = SmallBatchCrossover(measurements: measurements, prior: 0)
                let (limit, singleRow) = (crossover.limit, crossover.singleRow ?? false)
                for rows in sizes {
                    let ratio = trueRatios[rows]!
                    let packed = rows == 1 ? singleRow : rows <= limit
                    let chosenOverOther = packed ? ratio : 1 / ratio
                    #expect(chosenOverOther <= 1.1, "\(rows) rows: true ratio \(ratio), limit \(limit)")
                }
                limits.append(limit)
                singleRows.append(singleRow)
            }
            let disputed = sizes.filter { $0 >= 2 && $0 > limits.min()! && $0 <= limits.max()! }
            #expect(disputed.allSatisfy { abs(trueRatios[$0]! - 1) <= 0.1 }, "limits \(limits)")
            #expect(singleRows[0] == singleRows[1] || abs(trueRatios[1]! - 1) <= 0.1)
        }
    }
}

private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    for _ in 0..<Int(exponent) { result *= base }
    return result
}
