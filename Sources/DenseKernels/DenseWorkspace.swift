internal import CSmallBatch

/// Scratch memory for a ``DenseModel`` forward pass over at most ``maxRows`` rows, and optionally a
/// second thread for the small-batch kernel.
///
/// It holds one slab per intermediate activation, plus one vector per layer for the single-row path,
/// so that a forward pass allocates nothing. A workspace must be used by one thread at a time.
public final class DenseWorkspace: @unchecked Sendable {
    // @unchecked: the slabs are scratch memory; the documented contract (one user at a time, as a
    // worker thread owns its workspace) is what keeps access exclusive. The helper thread only touches
    // memory a call hands it, and the call waits for it before returning.

    /// The largest batch this workspace can serve.
    public let maxRows: Int
    /// One slab per intermediate activation, its rows ``rowStride(columns:)`` floats apart.
    let intermediates: [Slab]
    /// The width of each intermediate activation.
    let intermediateWidths: [Int]
    let vectors: [Slab]
    /// The helper thread that computes half of each packed layer, or `nil` for one thread.
    let team: OpaquePointer?

    /// Creates scratch memory for `model` and batches of up to `maxRows` rows.
    ///
    /// With `smallBatchThreads` 2 the workspace starts a helper thread, and every forward pass through
    /// it computes the packed small-batch layers on two threads (each thread half of the output panels,
    /// nothing allocated per call); OpenBLAS's own thread count governs the large-batch path. The helper
    /// spins briefly after each call, so use 2 only where a second core is free for it, as with two
    /// OpenBLAS threads. Values above 2 count as 2.
    public init(model: DenseModel, maxRows: Int, smallBatchThreads: Int = 1) {
        precondition(maxRows >= 1, "a workspace needs room for at least one row")
        precondition(smallBatchThreads >= 1, "a workspace needs at least one thread")
        self.maxRows = maxRows
        self.intermediateWidths = model.intermediateWidths
        self.intermediates = model.intermediateWidths.map { Slab(rows: maxRows, columns: Self.rowStride(columns: $0)) }
        self.vectors = model.intermediateWidths.map { Slab(rows: 1, columns: $0) }
        // Without a helper (the thread could not be created) the calls run on one thread, correctly.
        self.team = smallBatchThreads >= 2 ? small_batch_team_create() : nil
    }

    deinit {
        small_batch_team_destroy(team)
    }

    /// The threads a packed small-batch layer runs on: 1, or 2 with a helper thread.
    public var smallBatchThreads: Int { team == nil ? 1 : 2 }

    /// The bytes the two-thread input copy holds: grown to the largest packed layer input it has copied,
    /// 0 on one thread (what ``MemoryEstimate/teamBytesPerRow`` bounds).
    public var teamCopyBytes: Int { small_batch_team_copy_bytes(team) }

    /// The floats between the starts of two rows of an intermediate activation `columns` wide.
    ///
    /// Rows a multiple of 2 KiB apart (1024 floats, say) fall into one set of the L1 cache, so for calls of
    /// more than a few rows the packed kernel copies the next layer's inputs before reading them, in a
    /// serial pass that two threads sharing a call must also carry across their cores. One cache line of
    /// padding spreads the rows over the sets, and the next layer reads them where they lie.
    static func rowStride(columns: Int) -> Int {
        columns * MemoryLayout<Float>.stride % 2048 == 0 && columns > 0 ? columns + 16 : columns
    }

    /// The first `rows` rows of intermediate activation `index`.
    func intermediate(_ index: Int, rows: Int) -> MatrixView {
        precondition(rows >= 0 && rows <= maxRows, "view of \(rows) rows exceeds workspace capacity \(maxRows)")
        let slab = intermediates[index]
        return MatrixView(
            base: slab.buffer.baseAddress!, rows: rows, columns: intermediateWidths[index], rowStride: slab.columns)
    }

    /// The bytes held by the batch intermediates (what the memory estimator counts per row).
    public var intermediateBytes: Int { intermediates.reduce(0) { $0 + $1.byteCount } }
}
