import BatchProcessing
import DenseKernels
import Dispatch

/// The least the `processor` and `sync` scenarios' shape can cost with the model's work in it: callers
/// submit one item (a row, or a block of rows) each and wait for its output; worker threads take whatever
/// is pending (up to a batch of rows) as soon as they are free, pack the rows into a slab, run the same
/// forward pass, copy each item's output rows into an array of its own and hand it to its caller.
///
/// Nothing else happens — no state machine, deadlines, statistics, cells or results — so its ratio to
/// the kernel, next to the processor's, is the most a greedy scheduler with these callers and workers
/// can reach on the machine: what is left between them is the processor's own work per item.
final class DenseFloor: @unchecked Sendable {
    // @unchecked: `queue` synchronises itself, `workers` is written only by `init`, and a worker's slabs
    // and workspace belong to it alone.
    private let queue = PendingQueue<Waiting>(capacity: 4096)
    private let batchLimit: Int
    private let maxItemRows: Int
    private let model: DenseModel
    private var workers: [WorkerThread] = []

    /// A caller's rows and how to hand its output back.
    private struct Waiting {
        var rows: [Float]
        var resume: Resume
    }

    private enum Resume {
        case task(UnsafeContinuation<[Float], Never>)
        case thread(ThreadSlot)
    }

    /// Where a blocking caller's output lands: one per caller thread, reused for each of its items.
    final class ThreadSlot: @unchecked Sendable {
        // @unchecked: `output` is written by one worker before it signals `ready`, and read by the slot's
        // thread only after its wait on `ready` returns.
        fileprivate let ready = DispatchSemaphore(value: 0)
        fileprivate var output: [Float] = []
    }

    /// Starts `workers` threads that each take at most `batchLimit` rows per forward pass (or one item,
    /// if it alone holds more).
    init(model: DenseModel, workers count: Int, batchLimit: Int, maxItemRows: Int) {
        self.model = model
        self.batchLimit = batchLimit
        self.maxItemRows = maxItemRows
        for index in 0..<count {
            workers.append(WorkerThread(name: "dense-floor-\(index)") { [self] in work() })
        }
    }

    /// The output of `rows`, suspending the calling task until a worker has computed it.
    func predict(_ rows: [Float]) async -> [Float] {
        await withUnsafeContinuation { queue.append(Waiting(rows: rows, resume: .task($0))) }
    }

    /// The output of `rows`, blocking the calling thread, whose own `slot` receives it.
    func predictBlocking(_ rows: [Float], slot: ThreadSlot) -> [Float] {
        queue.append(Waiting(rows: rows, resume: .thread(slot)))
        slot.ready.wait()
        return slot.output
    }

    /// Batches run and rows in them so far.
    var counts: (batches: Int, rows: Int) { queue.counts }

    /// Stops the workers once nothing is pending.
    func close() {
        queue.close()
        for worker in workers { worker.join() }
    }

    private func work() {
        // Room for a batch, or for one item larger than a batch.
        let capacity = max(batchLimit, maxItemRows)
        let input = Slab(rows: capacity, columns: model.inputWidth)
        let output = Slab(rows: capacity, columns: model.outputWidth)
        let workspace = DenseWorkspace(
            model: model, maxRows: capacity, smallBatchThreads: DenseModel.servingThreads)
        let (inputWidth, outputWidth) = (model.inputWidth, model.outputWidth)
        var batch: [Waiting] = []
        batch.reserveCapacity(batchLimit)
        while let taken = queue.take(into: &batch, limit: batchLimit, rows: { $0.rows.count / inputWidth }) {
            var row = 0
            for waiting in batch {
                waiting.rows.withUnsafeBufferPointer { _ = input.fullView.copyRows(from: $0, startingAt: row) }
                row += waiting.rows.count / inputWidth
            }
            model.forward(input.view(rows: taken), into: output.view(rows: taken), workspace: workspace)
            row = 0
            for waiting in batch {
                let rows = waiting.rows.count / inputWidth
                let result = Array(
                    UnsafeBufferPointer(
                        start: output.buffer.baseAddress! + row * outputWidth, count: rows * outputWidth))
                row += rows
                switch waiting.resume {
                case .task(let continuation): continuation.resume(returning: result)
                case .thread(let slot):
                    slot.output = result
                    slot.ready.signal()
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
