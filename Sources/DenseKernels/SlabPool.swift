import Locking

/// A thread-safe pool of equally shaped ``Slab``s that recycles them instead of allocating.
///
/// Once the pool holds as many slabs as are in use at the busiest moment, `acquire` and `release`
/// allocate nothing: they move a reference in and out of an array whose capacity is kept.
/// ``trim(keeping:)`` frees pooled slabs when memory is needed elsewhere.
public final class SlabPool: Sendable {
    /// The row capacity of every slab this pool hands out.
    public let rows: Int
    /// The column count of every slab this pool hands out.
    public let columns: Int

    private struct State {
        var free: [Slab] = []
        var outstanding = 0
        var created = 0
    }

    private let state: Locked<State>

    /// Creates an empty pool of `rows × columns` slabs.
    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        var initial = State()
        initial.free.reserveCapacity(16)
        self.state = Locked(initial)
    }

    /// Takes a slab from the pool, allocating one only if none is free.
    public func acquire() -> Slab {
        let pooled: Slab? = state.withLock { state in
            state.outstanding += 1
            return state.free.popLast()
        }
        if let pooled { return pooled }
        let slab = Slab(rows: rows, columns: columns)
        state.withLock { $0.created += 1 }
        return slab
    }

    /// Returns a slab to the pool. The caller must not use it afterwards.
    public func release(_ slab: Slab) {
        precondition(slab.rowCapacity == rows && slab.columns == columns, "slab does not belong to this pool")
        state.withLock { state in
            state.outstanding -= 1
            state.free.append(slab)
        }
    }

    /// Frees pooled slabs until at most `keeping` remain idle in the pool.
    ///
    /// - Returns: the number of bytes released.
    @discardableResult
    public func trim(keeping: Int = 0) -> Int {
        let dropped: [Slab] = state.withLock { state in
            guard state.free.count > keeping else { return [] }
            let dropped = Array(state.free[keeping...])
            state.free.removeSubrange(keeping...)
            return dropped
        }
        // The slabs are deallocated here, outside the lock, when `dropped` goes out of scope.
        return dropped.reduce(0) { $0 + $1.byteCount }
    }

    /// The number of slabs idle in the pool.
    public var pooledCount: Int { state.withLock { $0.free.count } }
    /// The number of slabs handed out and not yet returned.
    public var outstandingCount: Int { state.withLock { $0.outstanding } }
    /// The number of slabs the pool has ever allocated.
    public var createdCount: Int { state.withLock { $0.created } }
    /// The bytes held by idle slabs in the pool.
    public var pooledBytes: Int { pooledCount * slabBytes }

    /// The bytes one slab of this pool holds.
    public var slabBytes: Int { max(rows * columns, 1) * MemoryLayout<Float>.stride }
}
