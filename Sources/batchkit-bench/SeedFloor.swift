import BatchProcessing
import DenseKernels
import Dispatch
import Locking
import Synchronization

/// The least the seed workload's shape can cost: one thread submits every item and gets a future (waiting
/// for room when the queue holds its capacity, as the seed's `max_queue_size` makes it), then waits on
/// each; worker threads take whatever is pending (up to a batch), pack the rows into a slab, run the same
/// forward pass, copy each output row into an array of its own and resolve the futures. A sleeping worker
/// is woken when a full batch is pending or the producer starts waiting on a future.
///
/// Nothing else happens — no state machine, adaptive sizing, deadlines, priorities, cancellation,
/// statistics or health — so the `seed-workload` scenario's ratio for this pipeline, next to the
/// processor's, is the most any scheduler that keeps the seed's interface (a future per item, a row array
/// per output) can reach on the machine at hand.
final class SeedFloor: @unchecked Sendable {
    // @unchecked: `pending`, `head`, `sleeping`, `producerWaitsForRoom`, `closed`, `batches` and `items`
    // are read and written only with `lock` held; the workers' slabs belong to one worker each.
    private let lock = ConditionLock()
    private let available = Condition()
    private let room = Condition()
    private var pending: [Entry] = []
    private var head = 0
    private var sleeping = 0
    private var producerWaitsForRoom = false
    private let capacity: Int
    private var closed = false
    private var batches = 0
    private var items = 0
    private let batchLimit: Int
    let model: DenseModel
    private let clock = ContinuousClock()
    /// The one producer parks here when the future it waits on is not resolved yet.
    private let producerWakeUp = DispatchSemaphore(value: 0)
    private var workers: [WorkerThread] = []

    private struct Entry {
        var row: [Float]
        var future: Future
    }

    /// One item's result: an atomic state, and the output written before the state says it is there.
    final class Future: @unchecked Sendable {
        // @unchecked: `output` and `completedAt` are written by one worker before its releasing exchange
        // of `state`, and read by the producer only after an acquiring load or exchange has seen `done`.
        fileprivate let state = Atomic<Int>(Future.pending)
        fileprivate var output: [Float] = []
        fileprivate var completedAt: ContinuousClock.Instant?

        fileprivate static let pending = 0
        fileprivate static let producerWaiting = 1
        fileprivate static let done = 2
    }

    /// Starts `workers` threads that each take at most `batchLimit` items per forward pass from a queue
    /// that holds at most `capacity`.
    init(model: DenseModel, workers count: Int, batchLimit: Int, capacity: Int) {
        self.model = model
        self.batchLimit = batchLimit
        self.capacity = capacity
        pending.reserveCapacity(1 << 15)
        for index in 0..<count {
            workers.append(WorkerThread(name: "seed-floor-\(index)") { [self] in work() })
        }
    }

    /// Queues one row; called by the one producer.
    func submit(_ row: [Float]) -> Future {
        let future = Future()
        lock.lock()
        while pending.count - head >= capacity {
            producerWaitsForRoom = true
            room.wait(lock)
        }
        pending.append(Entry(row: row, future: future))
        let wake = sleeping > 0 && pending.count - head >= batchLimit
        lock.unlock()
        if wake { available.signal() }
        return future
    }

    /// The future's output and completion time, parking the producer until a worker resolves it.
    func wait(_ future: Future) -> (output: [Float], completedAt: ContinuousClock.Instant?) {
        if future.state.load(ordering: .acquiring) != Future.done {
            // Whatever is pending may be less than a batch: nothing else would wake a worker for it.
            let wake = lock.withLock { sleeping > 0 && pending.count > head }
            if wake { available.signal() }
            let (parked, _) = future.state.compareExchange(
                expected: Future.pending, desired: Future.producerWaiting, ordering: .acquiringAndReleasing)
            if parked { producerWakeUp.wait() }
        }
        return (future.output, future.completedAt)
    }

    /// Batches run and items in them so far.
    var counts: (batches: Int, items: Int) { lock.withLock { (batches, items) } }

    /// Stops the workers once nothing is pending.
    func close() {
        lock.withLock { closed = true }
        available.broadcast()
        for worker in workers { worker.join() }
    }

    private func work() {
        let input = Slab(rows: batchLimit, columns: model.inputWidth)
        let output = Slab(rows: batchLimit, columns: model.outputWidth)
        let workspace = DenseWorkspace(
            model: model, maxRows: batchLimit, smallBatchThreads: DenseModel.servingThreads)
        let outputWidth = model.outputWidth
        var batch: [Entry] = []
        batch.reserveCapacity(batchLimit)
        while true {
            lock.lock()
            while head == pending.count && !closed {
                sleeping += 1
                available.wait(lock)
                sleeping -= 1
            }
            if head == pending.count {
                lock.unlock()
                return
            }
            let count = min(pending.count - head, batchLimit)
            batch.append(contentsOf: pending[head..<(head + count)])
            head += count
            if head == pending.count {
                pending.removeAll(keepingCapacity: true)
                head = 0
            }
            batches += 1
            items += count
            let wakeProducer = producerWaitsForRoom
            producerWaitsForRoom = false
            lock.unlock()
            if wakeProducer { room.signal() }
            for (index, entry) in batch.enumerated() {
                entry.row.withUnsafeBufferPointer { _ = input.fullView.copyRows(from: $0, startingAt: index) }
            }
            model.forward(input.view(rows: count), into: output.view(rows: count), workspace: workspace)
            let now = clock.now
            for (index, entry) in batch.enumerated() {
                let future = entry.future
                future.output = Array(
                    UnsafeBufferPointer(start: output.buffer.baseAddress! + index * outputWidth, count: outputWidth))
                future.completedAt = now
                if future.state.exchange(Future.done, ordering: .acquiringAndReleasing) == Future.producerWaiting {
                    producerWakeUp.signal()
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
