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
    /// Streams `inputPath` through `model` and writes a float32 `[rows, outputs]` `.npy` to `outputPath`
    /// in input order.
    ///
    /// Memory stays bounded whatever the file's size: the input is read a block of rows at a time, at
    /// most ``plan(model:settings:)``'s window of items is in flight, and each output row is written as
    /// soon as every row before it is done. Problems found before computing (the header, the width, the
    /// output's folder) fail fast; a regular or new `outputPath` gets the output atomically (see
    /// ``OutputFile``), so a failed run leaves nothing there. `-` reads standard input or writes
    /// standard output.
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
        let (_, window) = try plan(model: model, settings: settings)
        try checkWritable(outputPath)
        let reader = try openInput(inputPath)
        guard reader.shape.count == 2 else { throw .inputNotMatrix(path: inputPath, shape: reader.shape) }
        guard reader.columns == model.inputWidth else {
            throw .widthMismatch(path: inputPath, columns: reader.columns, expected: model.inputWidth)
        }
        // Registered before the temporary file exists: a signal at any moment finds it listed.
        var cleanup: TemporaryFileCleanup.Registration?
        defer { cleanup.map(TemporaryFileCleanup.unregister) }
        let file = try openOutput(outputPath) { temporary in
            cleanup.map(TemporaryFileCleanup.unregister)
            cleanup = TemporaryFileCleanup.register(temporary)
        }
        func written(_ body: () throws(FileIOError) -> Void) throws(InferError) {
            do throws(FileIOError) {
                try body()
            } catch {
                throw .unwritableOutput(path: outputPath, reason: error.reason)
            }
        }
        do throws(InferError) {
            let preamble = NpyArray.float32Preamble(shape: [reader.rows, model.outputWidth])
            try written { () throws(FileIOError) in
                try preamble.withUnsafeBytes { raw in Result { () throws(FileIOError) in try file.write(raw) } }.get()
            }
            let summary = try await stream(
                model: model, rows: reader.rows, inputName: inputPath, settings: settings, window: window,
                read: { (count, destination) throws(InferError) in
                    do throws(NpyError) {
                        try reader.read(rows: count, into: destination)
                    } catch {
                        if case .io(_, let reason) = error { throw .unreadableInput(path: inputPath, reason: reason) }
                        throw .badInput(path: inputPath, error)
                    }
                },
                write: { (_, values) throws(InferError) in
                    try written { () throws(FileIOError) in
                        try values.withUnsafeBufferPointer { buffer in
                            Result { () throws(FileIOError) in try file.write(floats: buffer) }
                        }.get()
                    }
                },
                progress: progress)
            try written { () throws(FileIOError) in try file.commit() }
            return summary
        } catch {
            file.abandon()
            throw error
        }
    }

    /// Opens `--input` and reads its header (`-` is standard input), with errors a user can act on.
    static func openInput(_ path: String) throws(InferError) -> NpyRowReader {
        do {
            if path == "-" { return try NpyRowReader(fileDescriptor: 0, name: "standard input") }
            return try NpyRowReader(path: path)
        } catch {
            if case .io(_, let reason) = error { throw .unreadableInput(path: path, reason: reason) }
            throw .badInput(path: path, error)
        }
    }

    /// Opens `--output` by ``OutputFile``'s policy (`-` is standard output).
    static func openOutput(_ path: String, announce: (String) -> Void = { _ in }) throws(InferError) -> OutputFile {
        if path == "-" { return OutputFile(fileDescriptor: 1, name: "standard output") }
        let file: OutputFile
        do {
            file = try OutputFile(path: path, announce: announce)
        } catch {
            throw .unwritableOutput(path: path, reason: error.reason)
        }
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
        let estimate = model.memoryEstimate(smallBatchThreads: settings.blasThreading.smallBatchThreads)
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
        let perItem = MemoryBudget.bytesPerItemInFlight(model: model)
        let window = max(rowCap * (workers + 1), min(4 * rowCap * workers, windowBytes / perItem))
        let needed = MemoryBudget.needed(
            model: model, estimate: estimate, rowCap: rowCap, workers: workers, window: window)
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
        let (_, window) = try plan(model: model, settings: settings)
        var next = 0
        var values = [Float](repeating: 0, count: rows * outputWidth)
        let summary = try await stream(
            model: model, rows: rows, inputName: inputName, settings: settings, window: window,
            read: { count, destination in
                input.values.withUnsafeBufferPointer { source in
                    destination.update(from: source.baseAddress! + next * width, count: count * width)
                }
                next += count
            },
            write: { row, output in
                values.withUnsafeMutableBufferPointer { buffer in
                    (buffer.baseAddress! + row * outputWidth).update(from: output, count: outputWidth)
                }
            },
            progress: progress)
        let output: NpyArray
        do {
            output = try NpyArray(shape: [rows, outputWidth], values: values)
        } catch {
            preconditionFailure("output values fill their shape by construction: \(error)")
        }
        return (output, summary)
    }

    /// Rows read from the input at a time: enough to make each read worth a system call, few enough
    /// that the block is small beside the window of items in flight.
    static func blockRows(width: Int, window: Int) -> Int {
        max(1, min(window, (1 << 20) / max(1, width * MemoryLayout<Float>.stride)))
    }

    /// Below this much arithmetic (about 0.3 s of compute on a 2-core AVX2 guest) a run is too short to
    /// earn back the processor's small-batch calibration, which takes up to ~0.6 s.
    public static let calibrationFloorFlops = 20_000_000_000

    /// `model` as the processor should start it for `rows` rows: with the small-batch kernel's prior
    /// crossover when the run is too short for calibrating to pay off (``calibrationFloorFlops``), so a
    /// small file is not dominated by start-up; otherwise unchanged (calibrated at start unless the
    /// caller fixed the limit).
    public static func servedModel(_ model: DenseModel, rows: Int) -> DenseModel {
        guard model.smallBatchLimit == nil else { return model }
        let (flops, overflow) = rows.multipliedReportingOverflow(by: model.flopsPerRow)
        guard !overflow, flops < calibrationFloorFlops else { return model }
        return model.with(smallBatchLimit: model.effectiveSmallBatchLimit)
    }

    /// The loop both entry points share: `read` fills the next rows, each becomes an item, at most
    /// `window` are in flight, and `write` receives every output row in input order as soon as it and
    /// every row before it are done.
    static func stream(
        model: DenseModel,
        rows: Int,
        inputName: String,
        settings: SchedulerSettings,
        window: Int,
        read: (_ count: Int, _ destination: UnsafeMutablePointer<Float>) throws(InferError) -> Void,
        write: (_ row: Int, _ values: [Float]) throws(InferError) -> Void,
        progress: (_ done: Int, _ total: Int) -> Void
    ) async throws(InferError) -> InferSummary {
        let width = model.inputWidth
        let outputWidth = model.outputWidth
        let clock = ContinuousClock()
        let started = clock.now

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
            try processor.start(model: servedModel(model, rows: rows), options: settings.denseOptions)
        } catch {
            throw .processing(row: nil, error)
        }

        var pending = [BatchFuture<[Float]>?](repeating: nil, count: min(window, max(rows, 1)))
        let priority = settings.priority ?? .normal
        let block = blockRows(width: width, window: window)
        var buffer = [Float](repeating: 0, count: min(block, max(rows, 1)) * width)
        var failure: InferError?

        // Waits for row `row`'s output and hands it on.
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
            try write(row, result)
            if (row + 1) % progressInterval == 0 { progress(row + 1, rows) }
        }

        do throws(InferError) {
            var row = 0
            while row < rows {
                let count = min(block, rows - row)
                try buffer.withUnsafeMutableBufferPointer { (values) throws(InferError) in
                    try read(count, values.baseAddress!)
                }
                for offset in 0..<count {
                    let index = row + offset
                    if index >= pending.count { try await collect(index - pending.count) }
                    let item = Array(buffer[(offset * width)..<((offset + 1) * width)])
                    if settings.nonFiniteInputs == .reject, let column = item.firstIndex(where: { !$0.isFinite }) {
                        throw .nonFiniteInput(path: inputName, row: index, column: column, value: item[column])
                    }
                    do {
                        pending[index % pending.count] = try await processor.enqueuePredict(item, priority: priority)
                    } catch {
                        throw .processing(row: index, error)
                    }
                }
                row += count
            }
            // The input has ended: drain, so the last partial batch goes now rather than after the
            // fixed or adaptive strategy's timeout (which may be long).
            await processor.stop(timeout: .seconds(86_400), mode: .drain)
            for index in max(0, rows - pending.count)..<rows { try await collect(index) }
        } catch {
            failure = error
        }
        await processor.stop(mode: failure == nil ? .drain : .cancel)
        if let failure { throw failure }
        progress(rows, rows)

        let statistics = processor.stats().window
        return InferSummary(
            rows: rows, outputWidth: outputWidth, batches: statistics.totalBatches,
            seconds: (clock.now - started).inSeconds,
            computeSeconds: statistics.avgProcessingTime.inSeconds * Double(statistics.totalBatches)
                / Double(max(1, settings.workers)))
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
