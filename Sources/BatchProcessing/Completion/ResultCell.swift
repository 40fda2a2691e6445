/// A value set exactly once and awaited by any number of tasks or blocked threads.
///
/// It is the heart of the exactly-once guarantee: a result, a timeout, a cancellation and a shutdown
/// may race to complete the same request, and only the first ``complete(_:at:)`` (or ``claim(_:at:)``)
/// wins; the others learn they lost and do nothing. Waiters are resumed after the lock is released.
///
/// The waiting and publishing live in ``CompletionCore``, which is not generic: only storing and
/// reading the value know `Value`. Generic code run for a type the compiler did not specialise looks up
/// the metadata of every generic type it touches, and a generic waiter list cost a dozen such lookups
/// per item on the `BatchProcessor<Int, Int>` path. For the same reason the value is stored as a plain
/// `Value`, holding a placeholder until it is claimed, not as a `Value?`: the cell's own `Value` comes
/// with its class metadata, while each store, read or destruction of a `Value?` looked up `Optional`'s
/// metadata at run time (three per item).
@usableFromInline
class ResultCell<Value: Sendable>: CompletionCore, @unchecked Sendable {
    // @unchecked: `stored` and `completedAt` are only read or written inside `locked` (see
    // ``CompletionCore``), which is why their dynamic exclusivity checks are off: the lock already
    // makes each access exclusive.
    /// The placeholder until the cell is claimed (the state says which), then the value.
    @exclusivity(unchecked) private var stored: Value
    /// When the value was set, in ``MonotonicClock`` nanoseconds, if the completer said. Not a
    /// `ContinuousClock.Instant`: that type's layout is the standard library's to change, so every
    /// store, read and destruction of an optional one goes through value witnesses, several per item.
    @exclusivity(unchecked) private var completedAt: Int64?

    /// Creates a pending cell; `placeholder` is held until a value is claimed and never read.
    init(placeholder: Value) {
        stored = placeholder
        super.init()
    }

    /// Creates a pending cell holding a copy of `template`'s value as its placeholder.
    ///
    /// In code the compiler did not specialise, making a `Value` looks a composite type's metadata up
    /// at run time on every call, while copying one takes `Value` from this cell's own class metadata.
    /// `template` must be a cell nothing ever completes, so its value is read without the lock.
    init(placeholderOf template: ResultCell) {
        stored = template.stored
        super.init()
    }

    /// Claims the cell for `value` if nothing completed it yet, without publishing it: nothing else
    /// can complete it any more, but nobody sees the value until the returned wake-up runs (after
    /// recording statistics, say, so that a caller who sees its result also sees it counted — even a
    /// caller who looks only after the claim and never waits).
    ///
    /// - Parameter nanoseconds: when the value came to be (the end of its batch, say), on the
    ///   ``MonotonicClock``, kept for ``completionInstant``.
    /// - Returns: the wake-up, which must be run; `nil` if the cell was already claimed.
    final func claim(_ value: Value, at nanoseconds: Int64? = nil) -> CompletionWake? {
        let waiters: CompletionState? = locked { state in
            switch state {
            case .claimed, .done: return nil
            case .pending, .pendingOne, .pendingMany:
                let previous = state
                state = .claimed(late: [])
                stored = value
                completedAt = nanoseconds
                return previous
            }
        }
        return waiters.map { CompletionWake(core: self, waiters: $0) }
    }

    /// Makes the cell pending again; its old value stays as the placeholder until a new one is
    /// claimed. Only for a cell nothing else references (see ``SpareCell``).
    final func resetKeepingValue() {
        locked { _ in completedAt = nil }
        resetToPending()
    }

    /// When the value was set, if it is set and its completer gave the time.
    final var completionInstant: ContinuousClock.Instant? {
        locked { _ in completedAt }.map(MonotonicClock.instant(nanoseconds:))
    }

    /// Sets the value if none is set yet and wakes every waiter.
    ///
    /// - Returns: `true` if this call set the value, `false` if the cell was already complete.
    @discardableResult
    final func complete(_ value: Value, at nanoseconds: Int64? = nil) -> Bool {
        guard let wake = claim(value, at: nanoseconds) else { return false }
        wake.run()
        return true
    }

    /// The value, if set and published.
    final var value: Value? {
        locked { state in
            if case .done = state { return stored }
            return nil
        }
    }

    /// The value once published; only for a waiter that was woken or found the cell done.
    @usableFromInline
    final var published: Value {
        locked { _ in stored }
    }

    /// Suspends until the value is set.
    final func wait() async -> Value {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            if register(.task(continuation)) { continuation.resume() }
        }
        return published
    }

    /// Blocks the calling thread until the value is set.
    ///
    /// The value comes straight from the published cell, never as an optional: for a `Value` the
    /// compiler did not specialise, every copy of a `Value?` looks its metadata up at run time.
    @usableFromInline
    final func waitBlocking() -> Value {
        let waiter = BlockingWaiter.current()
        if register(.thread(waiter)) { return published }
        waiter.finished(signalled: waiter.wait(timeout: nil))
        return published
    }

    /// Blocks the calling thread until the value is set or `timeout` passes.
    final func waitBlocking(timeout: Duration?) -> Value? {
        let waiter = BlockingWaiter.current()
        if register(.thread(waiter)) { return published }
        // On timeout the waiter stays registered here, so the thread stops reusing it.
        waiter.finished(signalled: waiter.wait(timeout: timeout))
        return value
    }
}
