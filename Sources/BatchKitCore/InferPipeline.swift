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
        _ = try plan(model: model, settings: settings)
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
        let (output, summary) = try await infer(
            model: model, input: input, inputName: inputPath, settings: settings, progress: progress)
        let file = try openOutput(outputPath)
        defer { TemporaryFileCleanup.unregister() }
        do throws(FileIOError) {
            let written = output.encoded().withUnsafeBytes { raw in
                Result { () throws(FileIOError) in try file.write(raw) }
            }
            try written.get()
            try file.commit()
        } catch {
            file.abandon()
            throw .unwritableOutput(path: outputPath, reason: error.reason)
        }
        return summary
    }

    /// Opens `--output` by ``OutputFile``'s policy (`-` is standard output) and registers its temporary
    /// file, if any, for removal on SIGINT/SIGTERM.
    static func openOutput(_ path: String) throws(InferError) -> OutputFile {
        if path == "-" { return OutputFile(fileDescriptor: 1, name: "standard output") }
        let file: OutputFile
        do {
            file = try OutputFile(path: path)
        } catch {
            throw .unwritableOutput(path: path, reason: error.reason)
        }
        if let temporary = file.temporaryPath { TemporaryFileCleanup.register(temporary) }
        return file
    }

    /// Items kept in flight at most, whatever the batch size: enough to keep every worker fed, few
    /// enough that their rows take about this many bytes.
    static let windowBytes = 64 << 20

    /// The rows per batch and the items kept in flight for `model` under `settings`, refused with a
    /// ``InferError/flag(_:)`` naming the flag when the batches and the window would not fit in the
    /// memory this process may use (``MemoryBudget/available()``) — before anything is allocated.
    public static func plan(model: DenseModel, settings: SchedulerSettings) throws(InferError)
        -> (rowCap: Int, window: Int)
    {
        let estimate = model.memoryEstimate
        var rowCap = settings.maxBatchSize
        if let memoryMB = settings.memoryMB {
            let cap = estimate.rowCap(budgetMB: Double(memoryMB))
            guard cap >= 1 else {
                let least = (Double(estimate.bytes(rows: 1)) / 1_048_576).rounded(.up)
                throw .flag(
                    "--memory-mb \(memoryMB) cannot hold the model's \(Format.bytes(Double(estimate.weightBytes))) of "
                        + "weights plus one row of \(Format.bytes(Double(estimate.bytesPerRow))); give at least "
                        + "\(Format.plain(least))")
            }
            rowCap = min(rowCap, cap)
        }
        let workers = max(1, settings.workers)
        // Enough to fill every worker's next batch while the current ones compute (four batches per
        // worker), but not more than about `windowBytes` of rows unless a batch per worker needs it.
        let perItem = (model.inputWidth + model.outputWidth) * MemoryLayout<Float>.stride + 256
        let window = max(rowCap * (workers + 1), min(4 * rowCap * workers, windowBytes / perItem))
        let needed = MemoryBudget.needed(model: model, rowCap: rowCap, workers: workers, window: window)
        let (available, source) = MemoryBudget.available()
        guard needed <= available else {
            let flag = settings.memoryMB == nil ? "--max-batch-size \(rowCap)" : "--memory-mb \(settings.memoryMB!)"
            throw .flag(
                "\(flag) needs \(Format.bytes(needed)) (\(workers) workers × \(rowCap) rows × "
                    + "\(Format.bytes(Double(estimate.bytesPerRow))) per row of batch memory, the weights, and the "
                    + "items in flight), more than the \(Format.bytes(available)) this run may use (\(source)); "
                    + "lower --max-batch-size or --workers, or cap each batch with --memory-mb")
        }
        return (rowCap, window)
    }

    /// Rows between two progress calls.
    public static let progressInterval = 1024

    /// Runs every row of the 2-D `input` through a processor for `model` and returns the outputs in
    /// input order, with what the scheduler did.
    public static func infer(
        model: DenseModel,
        input: NpyArray,
        inputName: String = "(in memory)",
        settings: SchedulerSettings,
        progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws(InferError) -> (NpyArray, InferSummary) {
        precondition(input.shape.count == 2 && input.shape[1] == model.inputWidth, "input must be rows × inputWidth")
        let rows = input.shape[0]
        let width = model.inputWidth
        let outputWidth = model.outputWidth
        let clock = ContinuousClock()
        let started = clock.now

        let (_, window) = try plan(model: model, settings: settings)
        var settings = settings
        settings.maxQueueSize = max(settings.maxQueueSize, window)
        settings.itemTimeout = settings.itemTimeout ?? .seconds(86_400)
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
                if settings.nonFiniteInputs == .reject, let column = item.firstIndex(where: { !$0.isFinite }) {
                    throw .nonFiniteInput(path: inputName, row: row, column: column, value: item[column])
                }
                do {
                    pending[row % pending.count] = try await processor.enqueuePredict(item, priority: priority)
                } catch {
                    throw .processing(row: row, error)
                }
            }
            // The input has ended: drain, so the last partial batch goes now rather than after the
            // fixed or adaptive strategy's timeout (which may be long).
            await processor.stop(timeout: .seconds(86_400), mode: .drain)
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

    /// Fails early, before any compute, if `path` cannot be written: it must not be a directory; a
    /// regular file or a new one (after following symbolic links) needs a writable directory to hold the
    /// temporary file; a device or FIFO must be writable itself. `-` (standard output) always passes.
    public static func checkWritable(_ path: String) throws(InferError) {
        guard path != "-" else { return }
        let target: String
        let existing: OutputFile.Existing?
        do {
            (target, existing) = try OutputFile.resolve(path)
        } catch {
            throw .unwritableOutput(path: path, reason: error.reason)
        }
        if existing == .special {
            guard access(target, W_OK) == 0 else {
                throw .unwritableOutput(path: path, reason: String(cString: strerror(errno)))
            }
            return
        }
        let directory = OutputFile.split(target).directory
        var info = stat()
        guard stat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw .unwritableOutput(path: path, reason: "directory \(directory) does not exist")
        }
        guard access(directory, W_OK) == 0 else {
            throw .unwritableOutput(path: path, reason: "directory \(directory) is not writable")
        }
    }
}
