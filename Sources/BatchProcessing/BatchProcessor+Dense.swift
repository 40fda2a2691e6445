public import DenseKernels
import Logging

extension BatchProcessor where Item == [Float], Output == [Float] {
    /// Starts processing with a dense model: each item is `k` rows of `model.inputWidth` features
    /// (row-major, `k ≥ 1`), and its output is `k` rows of `model.outputWidth` values.
    ///
    /// The rows of a batch are packed into a pooled slab and computed with one GEMM per layer. Items
    /// of the wrong width fail at submit time with `invalidInput`. With `maxBatchMemoryMB`, the rows
    /// per batch are capped by the model's ``DenseKernels/MemoryEstimate``; items larger than the cap
    /// are split across batches and reassembled in order.
    ///
    /// When `model.smallBatchLimit` is `nil`, the model is first calibrated for small batches
    /// (``DenseKernels/DenseModel/calibratedForSmallBatches(candidates:budget:)``: a few milliseconds
    /// up to ~150 ms for large layers, never more than 250 ms) with the BLAS threads the workers will use.
    ///
    /// - Throws: `alreadyStarted`, or `invalidConfiguration` if the memory budget cannot hold one row.
    public func start(model: DenseModel) throws(BatchProcessorError) {
        let threading = configuration.blasThreading
        let applyThreading: @Sendable () -> Void = {
            switch threading {
            case .perWorker: BLAS.setThreadCount(1)
            case .threads(let count): BLAS.setThreadCount(count)
            case .unchanged: break
            }
        }
        // The budget is checked before calibrating: a configuration that cannot run is refused at once.
        var rowCap: Int?
        if let budget = configuration.maxBatchMemoryMB {
            let estimate = model.memoryEstimate
            let cap = estimate.rowCap(budgetMB: Double(budget))
            guard cap >= 1 else {
                throw .invalidConfiguration(
                    ConfigurationError(
                        field: "maxBatchMemoryMB",
                        rule:
                            "must hold the model's \(estimate.weightBytes) weight bytes plus one row of "
                            + "\(estimate.bytesPerRow) bytes (got \(budget) MiB)"))
            }
            rowCap = cap
        }
        var calibrated = model
        if model.smallBatchLimit == nil {
            applyThreading()
            calibrated = model.calibratedForSmallBatches()
            logger.info(
                "small batches calibrated", metadata: ["smallBatchLimit": "\(calibrated.smallBatchLimit ?? 1)"])
        }
        let model = calibrated
        let width = model.inputWidth
        let maxRows = min(configuration.maxBatchSize, rowCap ?? .max)
        let inputs = SlabPool(rows: maxRows, columns: width)
        let outputs = SlabPool(rows: maxRows, columns: model.outputWidth)
        let rejectNonFinite = configuration.nonFiniteInputs == .reject
        var backend = BatchBackend<[Float], [Float]>(
            rows: { item in
                guard !item.isEmpty, item.count % width == 0 else {
                    return .failure(
                        .invalidInput(
                            expected: "k rows of \(width) features (a non-empty multiple of \(width) floats)",
                            got: "\(item.count) floats"))
                }
                if rejectNonFinite, let index = item.firstIndex(where: { !$0.isFinite }) {
                    return .failure(
                        .invalidInput(
                            expected: "finite values (nonFiniteInputs is .reject)",
                            got: "\(item[index]) at row \(index / width), column \(index % width)"))
                }
                return .success(item.count / width)
            },
            splitsItems: true,
            outputColumns: model.outputWidth,
            rowCap: rowCap,
            makeRunner: { maxRows in DenseRunner(model: model, maxRows: maxRows, inputs: inputs, outputs: outputs) },
            prepare: applyThreading)
        // Keep one slab of each kind: a worker will need it again as soon as the pressure passes.
        backend.trim = { inputs.trim(keeping: 1) + outputs.trim(keeping: 1) }
        // Written here, where the types are concrete, so the submit path is compiled for [Float].
        backend.admit = { storage, item, submission throws(BatchProcessorError) in
            try storage.admit(item, submission)
        }
        try start(backend: backend)
    }
}
