import Locking

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One thread blocked until a ``ResultCell`` it registered with is filled.
///
/// A waiter is five heap objects (itself, a lock and a condition with their pthread storage), so each
/// thread keeps one and reuses it: see ``current()``.
final class BlockingWaiter: Sendable {
    private let lock = ConditionLock()
    private let condition = Condition()
    // Guarded by `lock`; a plain stored flag because ConditionLock cannot wrap state like Mutex does.
    private nonisolated(unsafe) var signalled = false

    /// Marks the waiter done and wakes it.
    func signal() {
        lock.withLock { signalled = true }
        condition.signal()
    }

    /// Blocks until ``signal()`` or until `timeout` passes; returns whether it was signalled.
    func wait(timeout: Duration?) -> Bool {
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now.advanced(by: $0) }
        return lock.withLock {
            while !signalled {
                if let deadline {
                    let remaining = clock.now.duration(to: deadline)
                    if remaining <= .zero { return false }
                    condition.wait(lock, timeout: remaining)
                } else {
                    condition.wait(lock)
                }
            }
            return true
        }
    }

    /// The calling thread's waiter, made on first use.
    ///
    /// After a wait, call ``finished(signalled:)``: a signalled waiter is reset for the thread's next
    /// wait; one that timed out may still be signalled by the cell it waited on, so the thread drops it
    /// and makes a new one next time.
    static func current() -> BlockingWaiter {
        if let stored = pthread_getspecific(threadKey) {
            return Unmanaged<BlockingWaiter>.fromOpaque(stored).takeUnretainedValue()
        }
        let waiter = BlockingWaiter()
        pthread_setspecific(threadKey, Unmanaged.passRetained(waiter).toOpaque())
        return waiter
    }

    /// Ends a wait begun with the thread's ``current()`` waiter.
    func finished(signalled wasSignalled: Bool) {
        if wasSignalled {
            lock.withLock { signalled = false }
            return
        }
        guard let stored = pthread_getspecific(Self.threadKey) else { return }
        pthread_setspecific(Self.threadKey, nil)
        Unmanaged<BlockingWaiter>.fromOpaque(stored).release()
    }

    /// Each thread's cached waiter, released when the thread ends.
    private static let threadKey = ThreadLocalObjectKey.make()
}
