public import BatchProcessing
public import DenseKernels
import Logging

extension BatchProcessor where Item == [Float], Output == [Float] {
    /// Starts processing with a dense model: each item is `k` rows of `model.inputWidth` features
    /// (row-major, `k ≥ 1`), and its output is `k` rows of `model.outputWidth` values.
    ///
    /// The rows of a batch are packed into a pooled slab and computed with one GEMM per layer. Items
    /// of the wrong width fail at submit time with `invalidInput`. With `memory.maxBatchMB`, the rows
    /// per batch are capped by the model's `DenseKernels.MemoryEstimate`; items larger than the cap
    /// are split across batches and reassembled in order.
    ///
    /// When `model.smallBatchLimit` is `nil`, the model is first calibrated for small batches
    /// (`DenseModel.calibratedForSmallBatches(candidates:budget:smallBatchThreads:)` in `DenseKernels`:
    /// the packed kernel against OpenBLAS from 1 to 256 rows, tens of milliseconds up to ~0.3 s for large
    /// layers, never more than 0.6 s) with the BLAS threads the workers will use; with two or more BLAS
    /// threads per call each worker's small batches run on two threads too.
    ///
    /// - Parameters:
    ///   - model: the model every item runs through.
    ///   - options: OpenBLAS's threads and the policy for non-finite inputs.
    /// - Throws: `alreadyStarted`, or `invalidConfiguration` if the memory budget cannot hold one row
    ///   or `options` are invalid.
    public func start(model: DenseModel, options: DenseOptions = .init()) throws(BatchProcessorError) {
        do throws(ConfigurationError) { try options.validate() } catch { throw .invalidConfiguration(error) }
        // The plan is made before calibrating: a configuration that cannot run is refused at once.
        let plan = try DenseBatchPlan(configuration: configuration, options: options, model: model)
        var calibrated = model
        if model.smallBatchLimit == nil {
            plan.applyThreading()
            calibrated = model.calibratedForSmallBatches()
            logger.info(
                "small batches calibrated",
                metadata: [
                    "smallBatchLimit": "\(calibrated.effectiveSmallBatchLimit)",
                    "smallBatchKernel": "\(calibrated.smallBatchKernel)",
                    "packedSingleRow": "\(calibrated.usesPackedKernel(rows: 1))",
                ])
        }
        let model = calibrated
        let inputs = SlabPool(rows: plan.rowCap, columns: model.inputWidth)
        let outputs = SlabPool(rows: plan.rowCap, columns: model.outputWidth)
        let outputWidth = model.outputWidth
        var backend = BatchBackend<[Float], [Float]>(
            rows: { item in plan.rows(of: item) },
            makeAssembly: { rows in DenseSplitAssembly(rows: rows, columns: outputWidth) },
            rowCap: plan.rowCap,
            makeRunner: { maxRows in DenseRunner(model: model, maxRows: maxRows, inputs: inputs, outputs: outputs) },
            prepare: { plan.applyThreading() })
        // Keep one slab of each kind: a worker will need it again as soon as the pressure passes.
        backend.trim = { inputs.trim(keeping: 1) + outputs.trim(keeping: 1) }
        try start(backend: backend)
    }
}
