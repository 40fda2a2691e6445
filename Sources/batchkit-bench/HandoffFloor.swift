import BatchProcessing
import Dispatch

/// The least any scheduler of this shape can cost per item: callers park one at a time, worker
/// threads take whatever is pending (up to a batch) and wake each caller, and nothing else happens — no
/// state machine, deadlines, statistics, cells or results.
///
/// `batchkit-bench workload --model floor` runs it with the same callers as the processor, so the
/// difference between the two, in instructions or CPU time per item, is what the processor adds to the
/// unavoidable cost of parking and waking a caller for every item.
final class HandoffFloor: @unchecked Sendable {
    // @unchecked: `queue` synchronises itself and `workers` is written only by `init`.
    private let queue = PendingQueue<Parked>(capacity: 4096)
    private let batchLimit: Int
    private var workers: [WorkerThread] = []

    /// A caller waiting for its item to be taken.
    private enum Parked {
        case task(UnsafeContinuation<Void, Never>)
        case thread(DispatchSemaphore)
    }

    /// Starts `workers` threads that wake at most `batchLimit` callers per pass.
    init(workers count: Int, batchLimit: Int) {
        self.batchLimit = batchLimit
        for index in 0..<count {
            workers.append(WorkerThread(name: "floor-\(index)") { [self] in work() })
        }
    }

    /// Parks the calling task until a worker takes its item.
    func submit() async {
        await withUnsafeContinuation { queue.append(.task($0)) }
    }

    /// Parks the calling thread until a worker takes its item; `semaphore` is the thread's own.
    func submitBlocking(_ semaphore: DispatchSemaphore) {
        queue.append(.thread(semaphore))
        semaphore.wait()
    }

    /// Stops the workers once nothing is pending.
    func close() {
        queue.close()
        for worker in workers { worker.join() }
    }

    private func work() {
        var batch: [Parked] = []
        batch.reserveCapacity(batchLimit)
        while queue.take(into: &batch, limit: batchLimit, rows: { _ in 1 }) != nil {
            for parked in batch {
                switch parked {
                case .task(let continuation): continuation.resume()
                case .thread(let semaphore): semaphore.signal()
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
