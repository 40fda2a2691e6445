import BatchProcessing
import DenseKernels

/// Runs a ``DenseKernels/DenseModel`` on batches: packs the rows of every part into a pooled slab, runs
/// one forward pass, and copies each item's output rows into its result.
final class DenseRunner: BatchRunner {
    typealias Item = [Float]
    typealias Output = [Float]

    private let model: DenseModel
    private let workspace: DenseWorkspace
    private let inputs: SlabPool
    private let outputs: SlabPool
    /// Reused batch to batch: the scheduler drops its copy before the next batch, so the buffer is
    /// unique again by then and refilling it allocates nothing.
    private var results: [Result<Output, BatchProcessorError>?] = []

    init(model: DenseModel, maxRows: Int, inputs: SlabPool, outputs: SlabPool) {
        self.model = model
        // Two threads on one batch for the small-batch kernel where OpenBLAS was given two per call.
        self.workspace = DenseWorkspace(model: model, maxRows: maxRows, smallBatchThreads: DenseModel.servingThreads)
        self.inputs = inputs
        self.outputs = outputs
    }

    func run(_ parts: [SchedulerPart]) -> BatchRunResult<Output> {
        let width = model.inputWidth
        let outputWidth = model.outputWidth
        let input = inputs.acquire()
        let output = outputs.acquire()
        defer {
            inputs.release(input)
            outputs.release(output)
        }
        // The parts are read in place, through a buffer pointer: copying one out of the array (as
        // `for part in parts` does) goes through its type's value witness, a generic walk over its fields.
        parts.withUnsafeBufferPointer { parts in
            var rows = 0
            for index in parts.indices {
                SchedulerPart.item(in: parts, at: index, Item.self, Output.self).withUnsafeBufferPointer { item in
                    let start = parts[index].rowOffset * width
                    let slice = UnsafeBufferPointer(rebasing: item[start..<(start + parts[index].rowCount * width)])
                    input.fullView.copyRows(from: slice, startingAt: rows)
                }
                rows += parts[index].rowCount
            }
            model.forward(input.view(rows: rows), into: output.view(rows: rows), workspace: workspace)
        }
        // Filled as a local: appending to the stored property paid a dynamic exclusivity check per item.
        var results: [Result<Output, BatchProcessorError>?] = []
        swap(&results, &self.results)
        results.removeAll(keepingCapacity: true)
        results.reserveCapacity(parts.count)
        parts.withUnsafeBufferPointer { parts in
            var row = 0
            for index in parts.indices {
                let rowCount = parts[index].rowCount
                let slice = UnsafeBufferPointer(
                    start: output.buffer.baseAddress! + row * outputWidth, count: rowCount * outputWidth)
                // Whole (not split) when the part has all its item's rows; compared field by field, as a
                // method called on a part in this buffer would copy the part first.
                if parts[index].rowCount == parts[index].itemRows {
                    results.append(.success(Array(slice)))
                } else {
                    // Only this backend makes the assemblies its parts carry.
                    let assembly = parts[index].element.assembly(Item.self, Output.self) as? DenseSplitAssembly
                    results.append(
                        assembly?.deliver(rowOffset: parts[index].rowOffset, rows: slice).map { .success($0) })
                }
                row += rowCount
            }
        }
        self.results = results
        return .completed(results)
    }
}
