import DenseKernels

/// The check the bare pipelines make on what they deliver, so a floor that handed back wrong rows would
/// count them as failed rather than look fast.
enum FloorOutputs {
    /// Each input's output rows (an input may hold several rows), from one forward pass over all of them.
    static func reference(model: DenseModel, inputs: [[Float]]) -> [[Float]] {
        let rowCounts = inputs.map { $0.count / model.inputWidth }
        let total = rowCounts.reduce(0, +)
        let input = Slab(rows: total, columns: model.inputWidth)
        let output = Slab(rows: total, columns: model.outputWidth)
        var row = 0
        for (index, values) in inputs.enumerated() {
            values.withUnsafeBufferPointer { _ = input.fullView.copyRows(from: $0, startingAt: row) }
            row += rowCounts[index]
        }
        let workspace = DenseWorkspace(model: model, maxRows: total, smallBatchThreads: 1)
        model.forward(input.fullView, into: output.fullView, workspace: workspace)
        var outputs: [[Float]] = []
        row = 0
        for count in rowCounts {
            outputs.append(Array(output.buffer[(row * model.outputWidth)..<((row + count) * model.outputWidth)]))
            row += count
        }
        return outputs
    }

    /// Whether two outputs agree to within the rounding that batch sizes and kernels may differ by.
    static func matches(_ output: [Float], _ expected: [Float]) -> Bool {
        guard output.count == expected.count else { return false }
        return zip(output, expected).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) }
    }
}
