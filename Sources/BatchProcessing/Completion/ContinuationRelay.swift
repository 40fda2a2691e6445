import Locking

/// Resumes the continuations of awaiting tasks from a thread of Swift's cooperative pool, a batch at a
/// time, on behalf of worker threads outside it.
///
/// Resuming a continuation enqueues its task on the global executor, and on Linux libdispatch wraps
/// that job in a continuation object taken from the calling thread's cache. A batch worker is a thread
/// of its own, outside libdispatch, whose cache is always empty: each task it resumed cost a heap
/// allocation. The relay is one long-lived task that a worker hands a whole batch's continuations to,
/// waking it only when it is parked — one enqueue from outside the pool per wake-up, not per item —
/// and that resumes them from the pool, whose threads reuse the dispatch continuations they free.
///
/// Continuations handed over before ``close()`` are all resumed; after it (or if the relay task cannot
/// be relied on any more) they are resumed on the handing thread, so none is ever left suspended.
final class ContinuationRelay: Sendable {
    typealias Continuation = UnsafeContinuation<Void, Never>

    /// What the relay has done so far: where the continuations handed to it were resumed.
    struct Counts: Equatable {
        /// Lists handed over.
        var handOvers = 0
        /// Hand-overs that had to wake (or start) the parked relay task: the only enqueues onto the
        /// pool from the handing threads.
        var wakeUps = 0
        /// Continuations the relay task resumed.
        var relayed = 0
        /// Continuations resumed on the handing thread because the relay was closed.
        var resumedInPlace = 0
    }

    private struct State {
        var counts = Counts()
        /// Handed over and not yet taken by the relay task.
        var pending: [Continuation] = []
        /// The relay task's own continuation while it is parked with nothing to do.
        var parked: Continuation?
        /// Whether the relay task was started (lazily, by the first hand-over).
        var started = false
        /// No more hand-overs are accepted: the relay task ends once `pending` is empty.
        var closed = false
    }

    /// A pthread mutex (`Locked`), not `Synchronization.Mutex`, which ThreadSanitizer cannot
    /// see on Linux; one per processor, so its allocations do not matter.
    private let state = Locked(State())

    init() {}

    /// Hands `continuations` over to be resumed on the cooperative pool, leaving the list empty with
    /// its capacity kept (lists are swapped rather than copied, so a steady state allocates none).
    ///
    /// Call it with no lock held: it may resume the relay task, or, once closed, the continuations
    /// themselves.
    func hand(_ continuations: inout [Continuation]) {
        guard !continuations.isEmpty else { return }
        enum Next { case none, wake(Continuation), start, resumeHere }
        let next: Next = state.withLock { state in
            state.counts.handOvers += 1
            if state.closed {
                state.counts.resumedInPlace += continuations.count
                return .resumeHere
            }
            if state.pending.isEmpty {
                swap(&state.pending, &continuations)
            } else {
                state.pending.append(contentsOf: continuations)
                continuations.removeAll(keepingCapacity: true)
            }
            if !state.started {
                state.started = true
                state.counts.wakeUps += 1
                return .start
            }
            guard let parked = state.parked else { return .none }
            state.parked = nil
            state.counts.wakeUps += 1
            return .wake(parked)
        }
        switch next {
        case .none: break
        case .wake(let relay): relay.resume()
        case .start: Task.detached { [self] in await run() }
        case .resumeHere:
            for continuation in continuations { continuation.resume() }
            continuations.removeAll(keepingCapacity: true)
        }
    }

    /// What the relay has done so far (for tests and diagnostics).
    var counts: Counts { state.withLock { $0.counts } }

    /// Stops accepting hand-overs; the relay task resumes what it holds and ends.
    func close() {
        let parked: Continuation? = state.withLock { state in
            state.closed = true
            defer { state.parked = nil }
            return state.parked
        }
        parked?.resume()
    }

    /// The relay task: resumes what was handed over, parks when there is nothing, ends when closed.
    private func run() async {
        var taken: [Continuation] = []
        while true {
            let more: Bool = state.withLock { state in
                if state.pending.isEmpty { return !state.closed }
                swap(&state.pending, &taken)
                state.counts.relayed += taken.count
                return true
            }
            guard more else { return }
            if taken.isEmpty {
                await park()
                continue
            }
            for continuation in taken { continuation.resume() }
            taken.removeAll(keepingCapacity: true)
        }
    }

    /// Suspends until something is handed over or the relay closes (returns at once if either
    /// happened meanwhile).
    private func park() async {
        await withUnsafeContinuation { (relay: Continuation) in
            let parked: Bool = state.withLock { state in
                guard state.pending.isEmpty, !state.closed else { return false }
                state.parked = relay
                return true
            }
            if !parked { relay.resume() }
        }
    }
}
