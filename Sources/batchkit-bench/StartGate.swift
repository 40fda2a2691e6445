import Locking

/// Holds a group of threads until all are ready, then releases them at once with a shared deadline,
/// so thread start-up never counts as measured time.
final class StartGate: @unchecked Sendable {
    // @unchecked: every field is read and written with `lock` held.
    private let lock = ConditionLock()
    private let changed = Condition()
    private let parties: Int
    private var ready = 0
    private var start: ContinuousClock.Instant?
    private var deadline: ContinuousClock.Instant?

    /// A gate for `parties` threads.
    init(parties: Int) {
        self.parties = parties
    }

    /// Called by each thread: blocks until ``open(for:)``, then returns the start and the deadline.
    func arrive() -> (start: ContinuousClock.Instant, deadline: ContinuousClock.Instant) {
        lock.lock()
        defer { lock.unlock() }
        ready += 1
        changed.broadcast()
        while start == nil { changed.wait(lock) }
        return (start!, deadline!)
    }

    /// Blocks until every thread has arrived.
    func waitForAll() {
        lock.lock()
        defer { lock.unlock() }
        while ready < parties { changed.wait(lock) }
    }

    /// Waits for every thread to arrive, then releases them with a deadline `duration` from now.
    @discardableResult
    func open(for duration: Duration) -> ContinuousClock.Instant {
        lock.lock()
        defer { lock.unlock() }
        while ready < parties { changed.wait(lock) }
        let now = ContinuousClock().now
        start = now
        deadline = now + duration
        changed.broadcast()
        return now
    }
}
