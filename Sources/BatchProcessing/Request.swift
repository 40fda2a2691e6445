import Locking

/// One accepted item as it travels through the queue and batches, with where its result goes.
struct QueuedRequest<Item: Sendable, Output: Sendable>: Sendable {
    let item: Item
    /// The result, set once by whoever finishes the request first.
    let cell: ResultCell<Result<Output, BatchProcessorError>>
    /// When the caller submitted, in the storage's time (for latency).
    let submittedAt: Duration
    /// Whether nobody holds a future for it, so failures must be logged.
    let isFireAndForget: Bool
    /// Collects the pieces of an item split across batches (dense path only).
    let assembly: SplitAssembly?
}

/// A producer waiting for queue space; completed with `nil` when admitted, or with the error that ends the wait.
final class ProducerWaiter: Sendable {
    let outcome = ResultCell<BatchProcessorError?>()
}

/// The output rows of an item too large for one batch, gathered until every piece has arrived.
final class SplitAssembly: Sendable {
    private struct State {
        var values: [Float]
        var remainingRows: Int
    }

    private let state: Locked<State>
    private let columns: Int

    init(rows: Int, columns: Int) {
        self.columns = columns
        state = Locked(State(values: [Float](repeating: 0, count: rows * columns), remainingRows: rows))
    }

    /// Stores rows starting at `rowOffset`; returns the whole output once the last rows arrive.
    func deliver(rowOffset: Int, rows: UnsafeBufferPointer<Float>) -> [Float]? {
        state.withLock { state in
            let start = rowOffset * columns
            state.values.withUnsafeMutableBufferPointer { values in
                _ = UnsafeMutableBufferPointer(rebasing: values[start..<(start + rows.count)]).update(
                    fromContentsOf: rows)
            }
            state.remainingRows -= rows.count / columns
            return state.remainingRows == 0 ? state.values : nil
        }
    }
}
