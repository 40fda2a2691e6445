/// The pending result of one item submitted with ``BatchProcessor/enqueuePredict(_:timeout:priority:)-42d6m``.
///
/// It resolves exactly once: with the item's output, or with the ``BatchProcessorError`` that ended it
/// (its own processing error, `timedOut`, `cancelled` or `shuttingDown`). Wait for it by blocking
/// (``result()``, ``result(timeout:)``) from ordinary threads, or with `await` (``value``) from tasks.
public struct BatchFuture<Output: Sendable>: Sendable {
    @usableFromInline let cell: ResultCell<Result<Output, BatchProcessorError>>
    /// Withdraws the item on cancellation. An existential of a class, not a closure: a closure
    /// capturing the storage would cost an allocation per item. `nil` for an item refused at submission,
    /// whose future is resolved from the start.
    @usableFromInline let canceller: (any RequestCanceller)?

    /// Whether the result is available.
    public var isDone: Bool { cell.value != nil }

    /// When the item was resolved — its batch finished computing, or it failed, timed out or was
    /// cancelled — on the continuous clock; `nil` while it is pending.
    ///
    /// Latency measured to this instant leaves out how long the waiting thread or task took to be
    /// scheduled after the result was set, which on a busy machine can be milliseconds.
    public var completedAt: ContinuousClock.Instant? { cell.completionInstant }

    /// Blocks the calling thread until the result is available.
    ///
    /// Do not call this from a Swift concurrency task: it blocks a thread the cooperative pool needs.
    /// Use ``value`` there.
    // Inlinable, so a caller that knows `Output` gets the body compiled for it. Called generically, the
    // entry looked `Result<Output, _>`'s metadata up at run time before it checked for a `[Float]`
    // specialisation.
    @inlinable
    @available(*, noasync, message: "blocks the calling thread; use 'await value' in a task")
    public func result() throws(BatchProcessorError) -> Output {
        // The processor's item timeout bounds the wait.
        let result = cell.waitBlocking()
        SpareCell.keep(cell)
        return try result.get()
    }

    /// Blocks up to `timeout` for the result.
    ///
    /// - Returns: the output, or `nil` if it is not ready yet (the item keeps going; ask again later).
    #if compiler(>=6.3)
        @specialized(where Output == [Float])
    #endif
    @available(*, noasync, message: "blocks the calling thread; use 'await value' in a task")
    public func result(timeout: Duration) throws(BatchProcessorError) -> Output? {
        guard let result = cell.waitBlocking(timeout: timeout) else { return nil }
        return try result.get()
    }

    /// The output, awaited. Cancelling the awaiting task cancels the item: it is withdrawn if it has
    /// not been dispatched, and the wait ends with `cancelled`.
    @inlinable
    public var value: Output {
        get async throws(BatchProcessorError) { try await awaitValue() }
    }

    // Inlinable, as ``result()`` is and for the same reason: a caller that knows `Output` gets the body
    // compiled for it, with no run-time lookup of `Result<Output, _>`'s metadata.
    @inlinable
    nonisolated(nonsending) func awaitValue() async throws(BatchProcessorError) -> Output {
        let cell = cell
        let canceller = canceller
        // The continuation is made here, not in a `ResultCell` method: one async frame fewer per item.
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                if cell.register(.task(continuation)) { continuation.resume() }
            }
        } onCancel: {
            canceller?.cancel(cell)
        }
        let result = cell.published
        // On whichever thread the task resumed: the next item submitted there may reuse the cell.
        SpareCell.keep(cell)
        return try result.get()
    }

    /// Cancels the item: withdrawn if still queued; in any case resolved with `cancelled` unless it
    /// already has a result.
    public func cancel() {
        canceller?.cancel(cell)
    }
}

/// What a future calls to cancel its item: the scheduler storage that accepted it.
///
/// Not generic: a generic type's conformance to a protocol with an associated type has its witness
/// table made at run time, looked up again for every future built from the storage in code the
/// compiler did not specialise.
@usableFromInline
protocol RequestCanceller: AnyObject, Sendable {
    /// Withdraws the item whose result goes to `cell`, or completes it with `cancelled`; `cell` is
    /// always a `ResultCell` of the canceller's own `Result` type.
    func cancel(_ cell: CompletionCore)
}
