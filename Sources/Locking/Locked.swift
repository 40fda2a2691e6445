#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// State guarded by a pthread mutex.
///
/// Used instead of `Synchronization.Mutex` for two reasons: ThreadSanitizer cannot see Mutex's
/// futex-based locking on Linux and reports races inside it, and Mutex degrades under contention on
/// Linux with Swift ≤ 6.3 (swiftlang/swift#88440). It costs two allocations (the object and the
/// mutex, which needs a stable address), so it suits long-lived state, not per-request objects.
public final class Locked<State>: @unchecked Sendable {
    // @unchecked: `state` is only accessed in `withLock`, with `mutex` held.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var state: State

    /// Creates a lock guarding `initial`.
    public init(_ initial: State) {
        state = initial
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the state.
    @inline(__always)
    public func withLock<T>(_ body: (inout State) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }
}
