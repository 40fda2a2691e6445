import Locking

/// One accepted item as it travels through the queue and batches, with where its result goes.
///
/// Not generic: the scheduler's state machine and queue hold these, so with no type parameter of the
/// caller's in them they are compiled once for every `Item` and `Output` and look no generic metadata
/// up per item at run time. The caller's types live in the ``RequestCell`` the request points to,
/// which only the edges (submitting, running a batch, completing) see, with the types they know.
///
/// The cell is its one reference, and everything else in it is plain data: the compiler copies and
/// destroys a struct with a single reference by retaining and releasing it, but one with two or more
/// through the type's value witness, a call that walks the fields. The queue entries, batch parts and
/// in-flight batches that hold a request are copied that way too, several times per item.
package struct QueuedRequest: Sendable {
    /// The ``RequestCell`` holding the item and, once set, its result.
    let cell: any AnyObject & Sendable
    /// When the caller submitted, in nanoseconds of the storage's time (for latency).
    let submittedAt: Int64
    /// Whether nobody holds a future for it, so failures must be logged.
    let isFireAndForget: Bool

    // Inlined, as the memberwise initialiser was not: the optimiser turned its existential parameter
    // into a generic one, which made every caller look the cell's metadata up to pass it.
    @inline(__always)
    init(cell: any AnyObject & Sendable, submittedAt: Int64, isFireAndForget: Bool) {
        self.cell = cell
        self.submittedAt = submittedAt
        self.isFireAndForget = isFireAndForget
    }

    /// The request's cell, for code that knows the processor's types.
    @inline(__always)
    func cell<Item: Sendable, Output: Sendable>(_: Item.Type, _: Output.Type) -> RequestCell<Item, Output> {
        // Every request of a storage is made by that storage's `makeElement` with its own types.
        unsafeDowncast(cell, to: RequestCell<Item, Output>.self)
    }

    /// The caller's item.
    @inline(__always)
    package func item<Item: Sendable, Output: Sendable>(_ item: Item.Type, _ output: Output.Type) -> Item {
        cell(item, output).item
    }

    /// What collects the pieces of the item if it is split across batches (`nil` when it is whole).
    @inline(__always)
    package func assembly<Item: Sendable, Output: Sendable>(_ item: Item.Type, _ output: Output.Type)
        -> (any SplitAssembly)?
    {
        cell(item, output).assembly
    }
}

/// A request's result cell, which also carries the item until the request is gone.
///
/// One allocation per request holds both: the item the runner reads and the result its future waits
/// for. A future therefore keeps its item alive until the future itself is dropped. A finished cell is
/// reused for its thread's next item when nothing references it any more (``SpareCell``).
final class RequestCell<Item: Sendable, Output: Sendable>: ResultCell<Result<Output, BatchProcessorError>>,
    @unchecked Sendable
{
    // @unchecked: `item` and `assembly` are written only while nothing else references the cell (at
    // creation, or when ``SpareCell`` hands it back unreferenced), before the request is queued under
    // the scheduler's lock; runners read them after taking the request under that lock. Hence no
    // dynamic exclusivity check either. The inherited state is guarded as ``ResultCell`` documents.
    @exclusivity(unchecked) private(set) var item: Item
    /// Collects the pieces of the item if it is split across batches (`nil` when it is whole). Kept
    /// here rather than in ``QueuedRequest``, which holds only the cell as a reference; so it lives as
    /// long as the cell, like the result it assembles.
    @exclusivity(unchecked) private(set) var assembly: (any SplitAssembly)?

    init(item: Item) {
        self.item = item
        super.init(placeholder: .failure(.cancelled))
    }

    /// A pending cell for `item` whose placeholder is a copy of `template`'s value (see
    /// ``ResultCell/init(placeholderOf:)``).
    init(
        item: Item, assembly: (any SplitAssembly)?,
        placeholderOf template: ResultCell<Result<Output, BatchProcessorError>>
    ) {
        self.item = item
        self.assembly = assembly
        super.init(placeholderOf: template)
    }

    /// A cell for `item` (and its `assembly`, if it is to be split): the calling thread's spare if it
    /// has an unreferenced one, else a new one.
    ///
    /// `cellClass` must be `RequestCell<Item, Output>` itself, and `template` a cell nothing completes;
    /// the caller keeps both (``SchedulerStorage`` does). In code the compiler did not specialise,
    /// naming `RequestCell<Item, Output>` or making a placeholder `Result` looks that type's metadata
    /// up at run time on every call; the class kept as a value is that metadata already, and copying
    /// the template's value takes `Result`'s from the new cell's own. (Kept as the type `Self.Type`, the
    /// metatype of a final class, the optimiser rebuilt it by the lookup rather than read it.) A reused
    /// cell keeps its old result, never read again, until the new one is claimed.
    @inline(__always)
    static func make(
        item: Item, assembly: (any SplitAssembly)?, cellClass: AnyClass,
        placeholderOf template: ResultCell<Result<Output, BatchProcessorError>>
    ) -> RequestCell {
        guard let spare = SpareCell.take(kind: cellClass) else {
            return unsafeBitCast(cellClass, to: RequestCell.Type.self)
                .init(item: item, assembly: assembly, placeholderOf: template)
        }
        let cell = unsafeDowncast(spare, to: RequestCell.self)
        cell.item = item
        cell.assembly = assembly
        cell.resetKeepingValue()
        return cell
    }
}

/// A producer waiting for queue space; completed with `nil` when admitted, or with the error that ends the wait.
package final class ProducerWaiter: Sendable {
    let outcome = ResultCell<BatchProcessorError?>(placeholder: nil)
}

/// What a backend keeps about one item split across batches, until its last piece is computed.
///
/// The scheduler only carries it from the submit to every part of the item; the backend's runner
/// gathers the pieces in it (for a dense model, the output rows).
package protocol SplitAssembly: AnyObject, Sendable {}
