/// How much memory a batch of a ``DenseModel`` needs, and how many rows fit in a budget.
///
/// The formula counts exactly the slabs a batched forward pass touches:
///
///     bytesPerRow = 4 · (inputWidth + Σ intermediate row strides + outputWidth)
///     bytes(rows) = weightBytes + rows · bytesPerRow + team(rows)
///
/// that is, the packed input slab, one slab per intermediate activation (``DenseWorkspace``, its rows as
/// wide as the activation, plus 16 floats when that is a multiple of 512 floats), and the output slab,
/// plus the model's weights and biases. The weights are shared by all batches but are counted in every
/// batch's budget so that a budget smaller than the model is reported, not ignored.
///
/// A workspace made for two small-batch threads also copies a packed layer's input rows once, into the
/// order both threads read, when it shares a call out by panels: only calls of fewer than 8 rows but more
/// than the kernel reads in place (4 on AVX2, 8 on AVX-512), on layers whose input rows are a multiple of
/// 2 KiB apart (``teamBytesPerRow`` per row, up to ``teamRows`` rows,
/// the copy's buffer rounded up to 64 bytes). `team(rows)` is that buffer at its largest, and 0 on one
/// thread or when no layer's calls are copied.
public struct MemoryEstimate: Sendable, Equatable {
    /// Bytes one row adds to a batch.
    public let bytesPerRow: Int
    /// Bytes of the model's parameters.
    public let weightBytes: Int
    /// Bytes one row adds to the two-thread input copy (4 × the widest input of a layer it copies), 0 when
    /// nothing is copied.
    public let teamBytesPerRow: Int
    /// The most rows the two-thread input copy holds (0 when nothing is copied).
    public let teamRows: Int

    /// An estimate from its parts.
    public init(bytesPerRow: Int, weightBytes: Int, teamBytesPerRow: Int = 0, teamRows: Int = 0) {
        self.bytesPerRow = bytesPerRow
        self.weightBytes = weightBytes
        self.teamBytesPerRow = teamBytesPerRow
        self.teamRows = teamRows
    }

    /// The bytes a batch of `rows` rows occupies.
    public func bytes(rows: Int) -> Int { weightBytes + rows * bytesPerRow + teamBytes(rows: rows) }

    /// The largest number of rows whose batch fits in `megabytes` MiB (1 MiB = 2²⁰ bytes); 0 if even
    /// the weights do not fit (or the budget is not a number), `Int.max` for an infinite budget.
    public func rowCap(budgetMB megabytes: Double) -> Int {
        let budget = megabytes * 1_048_576
        if budget == .infinity { return .max }
        guard budget.isFinite, budget > Double(weightBytes) else { return 0 }
        let linear = (budget - Double(weightBytes)) / Double(bytesPerRow)
        guard linear < Double(Int.max) else { return Int.max }
        guard teamRows > 0, teamBytesPerRow > 0 else { return Int(linear) }
        // The copy's share only grows with the rows: the largest count within the budget, by bisection.
        var (low, high) = (0, Int(linear))
        while low < high {
            let middle = low + (high - low + 1) / 2
            if Double(bytes(rows: middle)) <= budget { low = middle } else { high = middle - 1 }
        }
        return low
    }

    private func teamBytes(rows: Int) -> Int {
        guard teamRows > 0, teamBytesPerRow > 0, rows > 0 else { return 0 }
        return (min(rows, teamRows) * teamBytesPerRow + 63) / 64 * 64
    }
}

extension DenseModel {
    /// The memory estimate for batches of this model on one small-batch thread.
    public var memoryEstimate: MemoryEstimate { memoryEstimate(smallBatchThreads: 1) }

    /// The memory estimate for batches of this model computed through a workspace made with
    /// `smallBatchThreads` (2 or more adds the two-thread input copy: see ``MemoryEstimate``).
    public func memoryEstimate(smallBatchThreads: Int) -> MemoryEstimate {
        let floatsPerRow =
            inputWidth + intermediateWidths.reduce(0) { $0 + DenseWorkspace.rowStride(columns: $1) } + outputWidth
        let packedRows = max(effectiveSmallBatchLimit, usesPackedKernel(rows: 1) ? 1 : 0)
        // The layers whose small calls the team shares out by panels, after copying their inputs: the
        // first reads the caller's rows, `inputWidth` apart, the others the workspace's.
        let copying: [(inputs: Int, rows: Int)] =
            smallBatchThreads >= 2
            ? layers.indices.map { index in
                let layer = layers[index]
                let stride = index == 0 ? layer.inputs : DenseWorkspace.rowStride(columns: layer.inputs)
                return (layer.inputs, layer.teamCopyRows(inputStride: stride))
            }.filter { $0.rows > 0 } : []
        let copyRows = min(packedRows, copying.map(\.rows).max() ?? 0)
        return MemoryEstimate(
            bytesPerRow: floatsPerRow * MemoryLayout<Float>.stride,
            weightBytes: layers.reduce(0) { $0 + $1.parameterBytes },
            teamBytesPerRow: copyRows > 0 ? (copying.map(\.inputs).max() ?? 0) * MemoryLayout<Float>.stride : 0,
            teamRows: copyRows
        )
    }
}
