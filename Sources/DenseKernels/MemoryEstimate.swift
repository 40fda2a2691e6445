/// How much memory a batch of a ``DenseModel`` needs, and how many rows fit in a budget.
///
/// The formula counts exactly the slabs a batched forward pass touches:
///
///     bytesPerRow = 4 · (inputWidth + Σ intermediateWidths + outputWidth)
///     bytes(rows) = weightBytes + rows · bytesPerRow
///
/// that is, the packed input slab, one slab per intermediate activation (``DenseWorkspace``), and the
/// output slab, plus the model's weights and biases. The weights are shared by all batches but are
/// counted in every batch's budget so that a budget smaller than the model is reported, not ignored.
public struct MemoryEstimate: Sendable, Equatable {
    /// Bytes one row adds to a batch.
    public let bytesPerRow: Int
    /// Bytes of the model's parameters.
    public let weightBytes: Int

    /// The bytes a batch of `rows` rows occupies.
    public func bytes(rows: Int) -> Int { weightBytes + rows * bytesPerRow }

    /// The largest number of rows whose batch fits in `megabytes` MiB (1 MiB = 2²⁰ bytes); 0 if even
    /// the weights do not fit (or the budget is not a number), `Int.max` for an infinite budget.
    public func rowCap(budgetMB megabytes: Double) -> Int {
        let budget = megabytes * 1_048_576
        if budget == .infinity { return .max }
        guard budget.isFinite, budget > Double(weightBytes) else { return 0 }
        let rows = (budget - Double(weightBytes)) / Double(bytesPerRow)
        return rows >= Double(Int.max) ? Int.max : Int(rows)
    }
}

extension DenseModel {
    /// The memory estimate for batches of this model.
    public var memoryEstimate: MemoryEstimate {
        let floatsPerRow = inputWidth + intermediateWidths.reduce(0, +) + outputWidth
        return MemoryEstimate(
            bytesPerRow: floatsPerRow * MemoryLayout<Float>.stride,
            weightBytes: layers.reduce(0) { $0 + $1.parameterBytes }
        )
    }
}
