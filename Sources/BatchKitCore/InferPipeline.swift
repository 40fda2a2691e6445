import BatchProcessing
import DenseBatching
public import DenseKernels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// `batchkit infer`: every row of an input matrix goes through a ``BatchProcessor`` as its own item, so
/// the output is exactly what the batched serving path computes.
public enum InferPipeline {
    /// Reads `inputPath`, runs every row through `model`, and writes a float32 `[rows, outputs]` `.npy` to
    /// `outputPath` in input order.
    ///
    /// Problems with the files are found before anything is computed, and the output is written
    /// atomically at the end, so a failed run leaves nothing at `outputPath`.
    ///
    /// - Parameter progress: called with rows done and total rows, every ``progressInterval`` rows
    ///   and at the end.
    public static func run(
        model: DenseModel,
        inputPath: String,
        outputPath: String,
        settings: SchedulerSettings,
        progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws(InferError) -> InferSummary {
        try checkWritable(outputPath)
        let input: NpyArray
        do {
            input = try NpyArray(contentsOf: inputPath)
        } catch {
            if case .io(_, let reason) = error { throw .unreadableInput(path: inputPath, reason: reason) }
            throw .badInput(path: inputPath, error)
        }
        guard input.shape.count == 2 else { throw .inputNotMatrix(path: inputPath, shape: input.shape) }
        guard input.shape[1] == model.inputWidth else {
            throw .widthMismatch(path: inputPath, columns: input.shape[1], expected: model.inputWidth)
        }
        let (output, summary) = try await infer(model: model, input: input, settings: settings, progress: progress)
        do {
            try output.write(to: outputPath)
        } catch {
            if case .io(_, let reason) = error { throw .unwritableOutput(path: outputPath, reason: reason) }
            throw .unwritableOutput(path: outputPath, reason: error.description)
        }
        return summary
    }

    /// Rows between two progress calls.
    public static let progressInterval = 1024

    /// Runs every row of the 2-D `input` through a processor for `model` and returns the outputs in
    /// input order, with what the scheduler did.
    public static func infer(
        model: DenseModel,
        input: NpyArray,
        settings: SchedulerSettings,
        progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws(InferError) -> (NpyArray, InferSummary) {
        precondition(input.shape.count == 2 && input.shape[1] == model.inputWidth, "input must be rows × inputWidth")
        let rows = input.shape[0]
        let width = model.inputWidth
        let outputWidth = model.outputWidth
        let clock = ContinuousClock()
        let started = clock.now

        // Enough items in flight to fill every worker's next batch while the current ones compute, and
        // no more, so memory stays proportional to the batch size rather than the input.
        var settings = settings
        let window = max(1, settings.maxBatchSize * settings.workers * 4)
        settings.maxQueueSize = max(settings.maxQueueSize, window)
        let processor: BatchProcessor<[Float], [Float]>
        do {
            processor = try BatchProcessor(configuration: settings.configuration, logger: BatchKitLog.logger)
        } catch {
            throw .configuration(error)
        }
        do {
            try processor.start(model: model, options: settings.denseOptions)
        } catch {
            throw .processing(row: nil, error)
        }

        var values = [Float](repeating: 0, count: rows * outputWidth)
        var pending = [BatchFuture<[Float]>?](repeating: nil, count: min(window, max(rows, 1)))
        let priority = settings.priority ?? .normal
        var failure: InferError?

        // Collects row `row`'s output into its place.
        func collect(_ row: Int) async throws(InferError) {
            let slot = row % pending.count
            guard let future = pending[slot] else { return }
            pending[slot] = nil
            let result: [Float]
            do {
                result = try await future.value
            } catch {
                throw .processing(row: row, error)
            }
            precondition(result.count == outputWidth, "the processor returned a row of the wrong width")
            values.withUnsafeMutableBufferPointer { buffer in
                _ = UnsafeMutableBufferPointer(rebasing: buffer[(row * outputWidth)..<((row + 1) * outputWidth)])
                    .update(fromContentsOf: result)
            }
            if (row + 1) % progressInterval == 0 { progress(row + 1, rows) }
        }

        do throws(InferError) {
            for row in 0..<rows {
                if row >= pending.count { try await collect(row - pending.count) }
                let item = Array(input.values[(row * width)..<((row + 1) * width)])
                do {
                    pending[row % pending.count] = try await processor.enqueuePredict(item, priority: priority)
                } catch {
                    throw .processing(row: row, error)
                }
            }
            for row in max(0, rows - pending.count)..<rows { try await collect(row) }
        } catch {
            failure = error
        }
        await processor.stop(mode: failure == nil ? .drain : .cancel)
        if let failure { throw failure }
        progress(rows, rows)

        let statistics = processor.stats().window
        let output: NpyArray
        do {
            output = try NpyArray(shape: [rows, outputWidth], values: values)
        } catch {
            preconditionFailure("output values fill their shape by construction: \(error)")
        }
        let summary = InferSummary(
            rows: rows, outputWidth: outputWidth, batches: statistics.totalBatches,
            seconds: (clock.now - started).inSeconds)
        return (output, summary)
    }

    /// Fails early, before any compute, if `path` cannot be written: its directory must exist and be
    /// writable, and the path must not be a directory.
    static func checkWritable(_ path: String) throws(InferError) {
        guard !path.isEmpty, path.last != "/" else {
            throw .unwritableOutput(path: path, reason: "it names a directory")
        }
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw .unwritableOutput(path: path, reason: "it is a directory")
        }
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        guard stat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw .unwritableOutput(path: path, reason: "directory \(directory) does not exist")
        }
        guard access(directory, W_OK) == 0 else {
            throw .unwritableOutput(path: path, reason: "directory \(directory) is not writable")
        }
    }
}
