import BatchProcessing
import DenseKernels

/// How a processor's configuration applies to one dense model: the rows per batch, the BLAS
/// threads, and what an item must look like.
///
/// Computed once when the processor starts, so the row cap the scheduler forms batches by and the
/// slabs the runners pack into always agree.
struct DenseBatchPlan: Sendable {
    /// The most rows in one batch: `batching.maxSize`, lowered to what `memory.maxBatchMB` can hold.
    let rowCap: Int
    let inputWidth: Int
    let rejectsNonFinite: Bool
    let threading: BLASThreading

    /// - Throws: `invalidConfiguration` if the memory budget cannot hold the weights and one row.
    init(configuration: BatchProcessorConfiguration, options: DenseOptions, model: DenseModel)
        throws(BatchProcessorError)
    {
        var rowCap = configuration.batching.maxSize
        if let budget = configuration.memory.maxBatchMB {
            let estimate = model.memoryEstimate(smallBatchThreads: options.blasThreading.smallBatchThreads)
            let cap = estimate.rowCap(budgetMB: Double(budget))
            guard cap >= 1 else {
                throw .invalidConfiguration(
                    ConfigurationError(
                        field: "memory.maxBatchMB",
                        rule:
                            "must hold the model's \(estimate.weightBytes) weight bytes plus one row of "
                            + "\(estimate.bytesPerRow) bytes (got \(budget) MiB)"))
            }
            rowCap = min(rowCap, cap)
        }
        self.rowCap = rowCap
        self.inputWidth = model.inputWidth
        self.rejectsNonFinite = options.nonFiniteInputs == .reject
        self.threading = options.blasThreading
    }

    /// Sets the process-wide BLAS thread count the configuration asks for.
    func applyThreading() {
        switch threading {
        case .perWorker: BLAS.setThreadCount(1)
        case .threads(let count): BLAS.setThreadCount(count)
        case .unchanged: break
        }
    }

    /// Checks an item at submit time and returns its row count.
    func rows(of item: [Float]) -> Result<Int, BatchProcessorError> {
        let width = inputWidth
        guard !item.isEmpty, item.count % width == 0 else {
            return .failure(
                .invalidInput(
                    expected: "k rows of \(width) features (a non-empty multiple of \(width) floats)",
                    got: "\(item.count) floats"))
        }
        if rejectsNonFinite, let index = item.firstIndex(where: { !$0.isFinite }) {
            return .failure(
                .invalidInput(
                    expected: "finite values (nonFiniteInputs is .reject)",
                    got: "\(item[index]) at row \(index / width), column \(index % width)"))
        }
        return .success(item.count / width)
    }
}
