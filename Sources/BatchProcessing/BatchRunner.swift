/// Computes batches on one worker thread. Each worker owns one runner, so a runner's scratch memory
/// needs no locking.
protocol BatchRunner<Item, Output>: AnyObject {
    associatedtype Item: Sendable
    associatedtype Output: Sendable

    /// Computes one batch.
    func run(_ parts: [SchedulerPart<Item, Output>]) -> BatchRunResult<Output>
}

/// How a batch ended.
enum BatchRunResult<Output: Sendable> {
    /// One entry per part, in order: the item's result when this part completes the item, `nil` for
    /// a piece of a split item that is not its last.
    case completed([Result<Output, BatchProcessorError>?])
    /// The batch as a whole failed; the scheduler isolates and retries.
    case failed(BatchProcessorError, retryable: Bool)
}

typealias SchedulerMachine<Item: Sendable, Output: Sendable> = SchedulerStateMachine<
    QueuedRequest<Item, Output>, ProducerWaiter
>
typealias SchedulerPart<Item: Sendable, Output: Sendable> = SchedulerMachine<Item, Output>.Part

/// What the scheduler needs to know about one kind of work: how to size items and how to compute them.
struct BatchBackend<Item: Sendable, Output: Sendable>: Sendable {
    /// Checks an item at submit time and returns its row count.
    let rows: @Sendable (Item) -> Result<Int, BatchProcessorError>
    /// Whether items of more rows than a batch can hold may be split across batches.
    let splitsItems: Bool
    /// The output width, for split assembly (dense path only).
    let outputColumns: Int
    /// The row cap the backend imposes (e.g. from a memory budget), if any.
    let rowCap: Int?
    /// Makes the runner for one worker thread.
    let makeRunner: @Sendable (_ maxRows: Int) -> any BatchRunner<Item, Output>
    /// Runs once before the workers start (e.g. to set the BLAS thread count).
    let prepare: @Sendable () -> Void
    /// Releases pooled memory under memory pressure; returns the bytes freed.
    var trim: @Sendable () -> Int = { 0 }
}
