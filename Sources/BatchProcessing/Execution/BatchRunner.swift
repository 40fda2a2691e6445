/// Computes batches on one worker thread. Each worker owns one runner, so a runner's scratch memory
/// needs no locking.
package protocol BatchRunner<Item, Output>: AnyObject {
    associatedtype Item: Sendable
    associatedtype Output: Sendable

    /// Computes one batch.
    func run(_ parts: [SchedulerPart]) -> BatchRunResult<Output>
}

/// How a batch ended.
package enum BatchRunResult<Output: Sendable> {
    /// One entry per part, in order: the item's result when this part completes the item, `nil` for
    /// a piece of a split item that is not its last.
    case completed([Result<Output, BatchProcessorError>?])
    /// The batch as a whole failed; the scheduler isolates and retries.
    case failed(BatchProcessorError, retryable: Bool)
    /// The processing function returned `got` results for `expected` items: a programming error, so
    /// the scheduler fails the whole batch with no retry and no isolation.
    case resultCountMismatch(expected: Int, got: Int)
}

/// The rows of one item in one batch, as a runner receives them.
package typealias SchedulerPart = SchedulerStateMachine.Part

/// What the scheduler needs to know about one kind of work: how to size items and how to compute them.
package struct BatchBackend<Item: Sendable, Output: Sendable>: Sendable {
    /// Checks an item at submit time and returns its row count.
    package let rows: @Sendable (Item) -> Result<Int, BatchProcessorError>
    /// Makes the collector for an item of `rows` rows, more than a batch holds, so it can be split
    /// across batches; `nil` when items are never split.
    package let makeAssembly: (@Sendable (_ rows: Int) -> any SplitAssembly)?
    /// The most rows in one batch: the configuration's `batching.maxSize`, or less where the backend
    /// imposes a cap (a memory budget).
    package let rowCap: Int
    /// Makes the runner for one worker thread.
    package let makeRunner: @Sendable (_ maxRows: Int) -> any BatchRunner<Item, Output>
    /// Runs once before the workers start (e.g. to set the BLAS thread count).
    package let prepare: @Sendable () -> Void
    /// Releases pooled memory under memory pressure; returns the bytes freed.
    package var trim: @Sendable () -> Int = { 0 }

    /// Whether items of more rows than a batch can hold may be split across batches.
    var splitsItems: Bool { makeAssembly != nil }

    /// Describes one kind of work.
    package init(
        rows: @escaping @Sendable (Item) -> Result<Int, BatchProcessorError>,
        makeAssembly: (@Sendable (_ rows: Int) -> any SplitAssembly)?,
        rowCap: Int,
        makeRunner: @escaping @Sendable (_ maxRows: Int) -> any BatchRunner<Item, Output>,
        prepare: @escaping @Sendable () -> Void
    ) {
        self.rows = rows
        self.makeAssembly = makeAssembly
        self.rowCap = rowCap
        self.makeRunner = makeRunner
        self.prepare = prepare
    }
}

/// How one item is submitted.
struct Submission: Sendable {
    var priority: BatchPriority
    /// How long to wait for queue space: `nil` until there is room, zero fails at once when full.
    var timeout: Duration?
    /// Nobody holds a future for the item.
    var fireAndForget: Bool
}

/// An item the scheduler took: its request, and the wait for queue space if it has to wait for one.
typealias Admission = (element: QueuedRequest, wait: SpaceWait?)
