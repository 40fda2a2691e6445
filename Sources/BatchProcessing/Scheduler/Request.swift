import Locking

/// One accepted item as it travels through the queue and batches, with where its result goes.
package struct QueuedRequest<Item: Sendable, Output: Sendable>: Sendable {
    package let item: Item
    /// The result, set once by whoever finishes the request first.
    let cell: ResultCell<Result<Output, BatchProcessorError>>
    /// When the caller submitted, in the storage's time (for latency).
    let submittedAt: Duration
    /// Whether nobody holds a future for it, so failures must be logged.
    let isFireAndForget: Bool
    /// Collects the pieces of an item split across batches (`nil` when the item is whole).
    package let assembly: (any SplitAssembly)?
}

/// A producer waiting for queue space; completed with `nil` when admitted, or with the error that ends the wait.
package final class ProducerWaiter: Sendable {
    let outcome = ResultCell<BatchProcessorError?>()
}

/// What a backend keeps about one item split across batches, until its last piece is computed.
///
/// The scheduler only carries it from the submit to every part of the item; the backend's runner
/// gathers the pieces in it (for a dense model, the output rows).
package protocol SplitAssembly: AnyObject, Sendable {}
