import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The part of a ``ResultCell`` that does not depend on its value: who waits, and whether the value is
/// pending, claimed or published.
///
/// One cell exists per request, so it is one allocation: its lock is an atomic flag held for a few
/// instructions (register a waiter, or swap in the value), which ThreadSanitizer also understands.
@usableFromInline
class CompletionCore: @unchecked Sendable {
    // @unchecked: `state` (and a subclass's stored value) is only read or written between acquiring
    // `spin` (acquiring ordering) and releasing it (releasing ordering), inside `locked`.
    private let spin = Atomic<Bool>(false)
    // Unchecked exclusivity: the spin lock already makes every access exclusive, and the runtime's
    // dynamic check (a thread-local access set) cost more per access than the lock itself.
    @exclusivity(unchecked) private var state = CompletionState.pending

    init() {}

    /// Runs `body` on the state with the spin lock held.
    @inline(__always)
    final func locked<T>(_ body: (inout CompletionState) -> T) -> T {
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

    /// Makes a published cell pending again, for reuse by a new request; only for a cell nothing
    /// else references (see ``SpareCell``).
    final func resetToPending() {
        locked { state in state = .pending }
    }

    /// Makes the claimed value visible; returns the waiters that registered after the claim.
    final func publish() -> [CompletionWaiter] {
        locked { state in
            guard case .claimed(let late) = state else { return [] }
            state = .done
            return late
        }
    }

    /// Registers a waiter; returns `true` instead if the value is already published.
    @usableFromInline
    final func register(_ waiter: CompletionWaiter) -> Bool {
        locked { state in
            switch state {
            case .done: return true
            case .claimed(var late):
                state = .pending
                late.append(waiter)
                state = .claimed(late: late)
            case .pending: state = .pendingOne(waiter)
            case .pendingOne(let first): state = .pendingMany([first, waiter])
            case .pendingMany(var all):
                state = .pending
                all.append(waiter)
                state = .pendingMany(all)
            }
            return false
        }
    }
}

/// A task or thread waiting for a cell; woken with no value, it reads the published one.
@usableFromInline
enum CompletionWaiter {
    case task(UnsafeContinuation<Void, Never>)
    case thread(BlockingWaiter)

    func wake() {
        switch self {
        case .task(let continuation): continuation.resume()
        case .thread(let waiter): waiter.signal()
        }
    }
}

/// Where a cell is between creation and publication.
enum CompletionState {
    case pending
    case pendingOne(CompletionWaiter)
    case pendingMany([CompletionWaiter])
    /// Claimed but not yet published: nobody else can complete it, and nobody sees the value until
    /// the claimer runs its ``CompletionWake``. Waiters arriving in between wait for that (rarely any,
    /// so the list allocates only then).
    case claimed(late: [CompletionWaiter])
    case done
}

/// The publication of a claimed value: it makes the value visible and wakes every waiter.
///
/// It must be run: until then the cell's waiters wait.
struct CompletionWake {
    fileprivate let core: CompletionCore
    fileprivate let waiters: CompletionState

    init(core: CompletionCore, waiters: CompletionState) {
        self.core = core
        self.waiters = waiters
    }

    /// Publishes the value and moves its waiters to the end of `waiters`, for the caller to wake
    /// (``CompletionWaiter/wake()``) once it has let go of the cell.
    func publish(into waiters: inout [CompletionWaiter]) {
        publish { waiters.append($0) }
    }

    /// Publishes the value and resumes every waiter.
    func run() {
        publish { $0.wake() }
    }

    /// Publishes the value and hands each waiter, those that came while it was claimed last, to `each`.
    @inline(__always)
    private func publish(_ each: (CompletionWaiter) -> Void) {
        let late = core.publish()
        switch waiters {
        case .pendingOne(let waiter): each(waiter)
        case .pendingMany(let all): for waiter in all { each(waiter) }
        case .pending, .claimed, .done: break
        }
        for waiter in late { each(waiter) }
    }
}
