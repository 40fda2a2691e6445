import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A value set exactly once and awaited by any number of tasks or blocked threads.
///
/// It is the heart of the exactly-once guarantee: a result, a timeout, a cancellation and a shutdown
/// may race to complete the same request, and only the first ``complete(_:)`` (or ``claim(_:at:)``)
/// wins; the others learn they lost and do nothing. Waiters are resumed after the lock is released.
///
/// One cell exists per request, so it is one allocation: its lock is an atomic flag held for a few
/// instructions (register a waiter, or swap in the value), which ThreadSanitizer also understands.
final class ResultCell<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `state` is only read or written between acquiring `spin` (acquiring ordering) and
    // releasing it (releasing ordering).
    fileprivate enum Waiter {
        case task(UnsafeContinuation<Value, Never>)
        case thread(BlockingWaiter)

        func wake(with value: Value) {
            switch self {
            case .task(let continuation): continuation.resume(returning: value)
            case .thread(let waiter): waiter.signal()
            }
        }
    }

    fileprivate enum State {
        case pending
        case pendingOne(Waiter)
        case pendingMany([Waiter])
        /// Claimed but not yet published: nobody else can complete it, and nobody sees the value until
        /// the claimer runs its ``Wake``. Waiters arriving in between wait for that (rarely any, so
        /// the list allocates only then).
        case claimed(Value, late: [Waiter])
        case done(Value)
    }

    private let spin = Atomic<Bool>(false)
    private var state = State.pending
    /// When the value was set, if the completer said.
    private var completedAt: ContinuousClock.Instant?

    init() {}

    @inline(__always)
    private func locked<T>(_ body: (inout State) -> T) -> T {
        var attempts = 0
        while !spin.compareExchange(
            expected: false, desired: true, successOrdering: .acquiring, failureOrdering: .relaxed
        )
        .exchanged {
            attempts += 1
            // The holder may have been preempted: give it the core rather than burn it.
            if attempts > 32 { sched_yield() }
        }
        defer { spin.store(false, ordering: .releasing) }
        return body(&state)
    }

    /// The publication of a claimed value: it makes the value visible and wakes every waiter.
    ///
    /// It must be run: until then the cell's waiters wait.
    struct Wake {
        fileprivate let cell: ResultCell
        fileprivate let waiters: State
        fileprivate let value: Value

        /// Publishes the value and resumes every waiter.
        func run() {
            let late = cell.publish()
            switch waiters {
            case .pendingOne(let waiter): waiter.wake(with: value)
            case .pendingMany(let all): for waiter in all { waiter.wake(with: value) }
            case .pending, .claimed, .done: break
            }
            for waiter in late { waiter.wake(with: value) }
        }
    }

    /// Claims the cell for `value` if nothing completed it yet, without publishing it: nothing else
    /// can complete it any more, but nobody sees the value until the returned wake-up runs (after
    /// recording statistics, say, so that a caller who sees its result also sees it counted — even a
    /// caller who looks only after the claim and never waits).
    ///
    /// - Parameter instant: when the value came to be (the end of its batch, say), kept for
    ///   ``completionInstant``.
    /// - Returns: the wake-up, which must be run; `nil` if the cell was already claimed.
    func claim(_ value: Value, at instant: ContinuousClock.Instant? = nil) -> Wake? {
        locked { state in
            switch state {
            case .claimed, .done: return nil
            case .pending, .pendingOne, .pendingMany:
                let previous = state
                state = .claimed(value, late: [])
                completedAt = instant
                return Wake(cell: self, waiters: previous, value: value)
            }
        }
    }

    /// Makes the claimed value visible; returns the waiters that registered after the claim.
    private func publish() -> [Waiter] {
        locked { state in
            guard case .claimed(let value, let late) = state else { return [] }
            state = .done(value)
            return late
        }
    }

    /// When the value was set, if it is set and its completer gave the time.
    var completionInstant: ContinuousClock.Instant? {
        locked { _ in completedAt }
    }

    /// Sets the value if none is set yet and wakes every waiter.
    ///
    /// - Returns: `true` if this call set the value, `false` if the cell was already complete.
    @discardableResult
    func complete(_ value: Value, at instant: ContinuousClock.Instant? = nil) -> Bool {
        guard let wake = claim(value, at: instant) else { return false }
        wake.run()
        return true
    }

    /// The value, if set.
    var value: Value? {
        locked { state in
            if case .done(let value) = state { return value }
            return nil
        }
    }

    /// Registers a waiter; returns the value instead if it is already set.
    private func register(_ waiter: Waiter) -> Value? {
        locked { state in
            switch state {
            case .done(let value): return value
            case .claimed(let value, var late):
                state = .pending
                late.append(waiter)
                state = .claimed(value, late: late)
            case .pending: state = .pendingOne(waiter)
            case .pendingOne(let first): state = .pendingMany([first, waiter])
            case .pendingMany(var all):
                state = .pending
                all.append(waiter)
                state = .pendingMany(all)
            }
            return nil
        }
    }

    /// Suspends until the value is set.
    func wait() async -> Value {
        await withUnsafeContinuation { continuation in
            if let ready = register(.task(continuation)) { continuation.resume(returning: ready) }
        }
    }

    /// Blocks the calling thread until the value is set or `timeout` passes.
    func waitBlocking(timeout: Duration?) -> Value? {
        let waiter = BlockingWaiter.current()
        if let ready = register(.thread(waiter)) { return ready }
        // On timeout the waiter stays registered here, so the thread stops reusing it.
        waiter.finished(signalled: waiter.wait(timeout: timeout))
        return value
    }
}
