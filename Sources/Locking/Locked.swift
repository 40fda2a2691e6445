/// State guarded by a pthread mutex.
///
/// Used instead of `Synchronization.Mutex` for two reasons: ThreadSanitizer cannot see Mutex's
/// futex-based locking on Linux and reports races inside it, and Mutex degrades under contention on
/// Linux with Swift ≤ 6.3 (swiftlang/swift#88440). It costs a few allocations (the mutex needs a stable
/// address), so it suits long-lived state, not per-request objects.
public final class Locked<State>: @unchecked Sendable {
    // @unchecked: `state` is only accessed in `withLock`, with `lock` held.
    private let lock = ConditionLock()
    // Unchecked exclusivity: `lock` already makes every access exclusive, and the runtime's dynamic
    // check cost about 100 instructions per use on the scheduler's per-item paths.
    @exclusivity(unchecked) private var state: State

    /// Creates a lock guarding `initial`.
    public init(_ initial: State) {
        state = initial
    }

    /// Runs `body` with exclusive access to the state.
    @inline(__always)
    public func withLock<T>(_ body: (inout State) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }
}
