import BatchProcessing
import Locking

/// The output rows of an item too large for one batch, gathered until every piece has arrived.
final class DenseSplitAssembly: SplitAssembly {
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
