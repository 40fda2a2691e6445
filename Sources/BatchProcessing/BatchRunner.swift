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
    /// Checks, wraps and offers one item to the scheduler.
    ///
    /// Callers reach the scheduler from generic code, where every generic type costs a metadata lookup
    /// per use; a backend whose `Item` and `Output` are concrete sets this closure where they are known,
    /// so the per-item submit path is compiled for them.
    var admit: Admitter<Item, Output> = { storage, item, submission throws(BatchProcessorError) in
        try storage.admit(item, submission)
    }
}

/// How one item is submitted.
struct Submission: Sendable {
    var priority: BatchPriority
    /// How long to wait for queue space (`nil` or zero: fail at once when full).
    var timeout: Duration?
    /// Nobody holds a future for the item.
    var fireAndForget: Bool
}

/// An item the scheduler took: its request, and the wait for queue space if it has to wait for one.
typealias Admission<Item: Sendable, Output: Sendable> = (
    element: QueuedRequest<Item, Output>, wait: SchedulerStorage<Item, Output>.SpaceWait?
)

/// Checks, wraps and offers one item to a scheduler (see ``BatchBackend/admit``).
typealias Admitter<Item: Sendable, Output: Sendable> =
    @Sendable (SchedulerStorage<Item, Output>, Item, Submission) throws(BatchProcessorError)
    -> Admission<Item, Output>
