#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A pthread mutex with condition variables bound to it: the one lock type the scheduler uses.
///
/// `Synchronization.Mutex` has no condition variables, and worker threads must sleep until work
/// arrives, so the scheduler uses pthreads directly behind this small type.
public final class ConditionLock: @unchecked Sendable {
    // @unchecked: the pthread objects are only touched through pthread calls, which synchronise.
    fileprivate let mutex: UnsafeMutablePointer<pthread_mutex_t>

    /// Creates an unlocked lock.
    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        #if canImport(Glibc)
            // Adaptive: a contended lock spins briefly before sleeping in the kernel. The scheduler's
            // critical sections are a few hundred nanoseconds, far shorter than a futex sleep and wake-up.
            pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        #endif
        precondition(pthread_mutex_init(mutex, &attributes) == 0, "pthread_mutex_init failed")
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Acquires the lock, waiting if another thread holds it.
    public func lock() { pthread_mutex_lock(mutex) }
    /// Releases the lock.
    public func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` with the lock held.
    @inline(__always)
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// A condition variable on the monotonic clock, waited on with a ``ConditionLock`` held.
public final class Condition: @unchecked Sendable {
    // @unchecked: as for ConditionLock, all access goes through pthread calls.
    private let cond: UnsafeMutablePointer<pthread_cond_t>

    /// Creates a condition variable on the monotonic clock.
    public init() {
        cond = .allocate(capacity: 1)
        cond.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if !canImport(Darwin)
            // Deadlines must not move when the wall clock is adjusted.
            pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        #endif
        precondition(pthread_cond_init(cond, &attributes) == 0, "pthread_cond_init failed")
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(cond)
        cond.deallocate()
    }

    /// Waits until signalled (or spuriously woken). The lock must be held.
    public func wait(_ lock: ConditionLock) {
        pthread_cond_wait(cond, lock.mutex)
    }

    /// Waits until signalled or `timeout` has passed. The lock must be held.
    public func wait(_ lock: ConditionLock, timeout: Duration) {
        guard timeout > .zero else { return }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let (seconds, attoseconds) = timeout.components
        let clampedSeconds = min(seconds, 86_400 * 365)
        var deadline = timespec()
        let nanoseconds = Int(now.tv_nsec) + Int(attoseconds / 1_000_000_000)
        deadline.tv_sec = now.tv_sec + Int(clampedSeconds) + nanoseconds / 1_000_000_000
        deadline.tv_nsec = nanoseconds % 1_000_000_000
        pthread_cond_timedwait(cond, lock.mutex, &deadline)
    }

    /// Wakes one waiting thread.
    public func signal() { pthread_cond_signal(cond) }
    /// Wakes every waiting thread.
    public func broadcast() { pthread_cond_broadcast(cond) }
}
