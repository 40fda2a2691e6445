#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Each thread's two most recently awaited request cells, reused for the next items submitted on that
/// thread once nothing else holds them.
///
/// A cell is one heap allocation per item. A caller that submits, waits and submits again (a blocking
/// thread, or a task in a loop) hands its finished cell to the thread it waited on; a later submission
/// on that thread takes it if the only reference left is the slot's — no future, queue entry, batch or
/// wake-up holds it any more, so nobody can see it change. A cell still referenced is left alone and
/// the item gets a new one. Two slots, because the worker that woke a caller still holds the caller's
/// cell for a moment (until its batch is retired), while the one before is free by then.
///
/// The slots are thread-locals, touched only synchronously by their own thread (no suspension between
/// reading and writing them), so they need no lock. They keep their thread's last two items and
/// results alive until that thread submits again or ends.
@usableFromInline
enum SpareCell {
    /// Makes `cell`, whose value the calling thread has just read, this thread's newest spare; the
    /// oldest is dropped.
    @usableFromInline
    static func keep(_ cell: CompletionCore) {
        let older = pthread_getspecific(olderKey)
        pthread_setspecific(olderKey, pthread_getspecific(newerKey))
        pthread_setspecific(newerKey, Unmanaged.passRetained(cell).toOpaque())
        if let older { Unmanaged<CompletionCore>.fromOpaque(older).release() }
    }

    /// One of this thread's spares whose class is `kind` and that nothing else references, taken out
    /// of its slot; `nil` if there is none.
    ///
    /// Not generic, and the class given as a value: see ``RequestCell/make(item:assembly:cellClass:placeholderOf:)``.
    @inline(__always)
    static func take(kind: AnyClass) -> CompletionCore? {
        take(kind: kind, from: olderKey) ?? take(kind: kind, from: newerKey)
    }

    private static func take(kind: AnyClass, from key: pthread_key_t) -> CompletionCore? {
        guard let stored = pthread_getspecific(key) else { return nil }
        let slot = Unmanaged<CompletionCore>.fromOpaque(stored)
        guard ObjectIdentifier(type(of: slot.takeUnretainedValue())) == ObjectIdentifier(kind) else { return nil }
        pthread_setspecific(key, nil)
        var cell: CompletionCore? = slot.takeRetainedValue()
        if isKnownUniquelyReferenced(&cell) { return cell }
        // Still in use: back into its slot for a later submission.
        pthread_setspecific(key, Unmanaged.passRetained(cell!).toOpaque())
        return nil
    }

    /// The slots, whose cells are released when their thread ends.
    private static let newerKey = ThreadLocalObjectKey.make()
    private static let olderKey = ThreadLocalObjectKey.make()
}
