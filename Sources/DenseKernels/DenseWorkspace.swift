/// Scratch memory for a ``DenseModel`` forward pass over at most ``maxRows`` rows.
///
/// It holds one slab per intermediate activation, plus one vector per layer for the single-row path,
/// so that a forward pass allocates nothing. A workspace must be used by one thread at a time.
public final class DenseWorkspace: @unchecked Sendable {
    // @unchecked: the slabs are scratch memory; the documented contract (one user at a time, as a
    // worker thread owns its workspace) is what keeps access exclusive.

    /// The largest batch this workspace can serve.
    public let maxRows: Int
    let intermediates: [Slab]
    let vectors: [Slab]

    /// Creates scratch memory for `model` and batches of up to `maxRows` rows.
    public init(model: DenseModel, maxRows: Int) {
        precondition(maxRows >= 1, "a workspace needs room for at least one row")
        self.maxRows = maxRows
        self.intermediates = model.intermediateWidths.map { Slab(rows: maxRows, columns: $0) }
        self.vectors = model.intermediateWidths.map { Slab(rows: 1, columns: $0) }
    }

    /// The bytes held by the batch intermediates (what the memory estimator counts per row).
    public var intermediateBytes: Int { intermediates.reduce(0) { $0 + $1.byteCount } }
}
