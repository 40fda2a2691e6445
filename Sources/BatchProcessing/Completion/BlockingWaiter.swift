import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One thread blocked until a ``ResultCell`` it registered with is filled.
///
/// A semaphore rather than a mutex and condition variable: it costs one atomic operation when nobody
/// sleeps and exactly one futex wake when its thread does, where glibc's condition variable added
/// about 1.25 futex wakes per item on the blocking path. Each thread keeps one waiter and reuses it:
/// see ``current()``.
@usableFromInline
final class BlockingWaiter: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)

    /// Marks the waiter done and wakes it.
    func signal() {
        semaphore.signal()
    }

    /// Blocks until ``signal()`` or until `timeout` passes; returns whether it was signalled.
    func wait(timeout: Duration?) -> Bool {
        guard let timeout else {
            semaphore.wait()
            return true
        }
        let (seconds, attoseconds) = timeout.components
        // Beyond what DispatchTime can express (about 292 years) is the same as no timeout.
        guard seconds < 9_000_000_000 else {
            semaphore.wait()
            return true
        }
        let nanoseconds = max(0, seconds) * 1_000_000_000 + max(0, attoseconds) / 1_000_000_000
        return semaphore.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .success
    }

    /// The calling thread's waiter, made on first use.
    ///
    /// After a wait, call ``finished(signalled:)``. A signalled waiter's count is back at zero, ready for
    /// the thread's next wait; one that timed out may still be signalled by the cell it waited on, which
    /// would leave a count behind, so the thread drops it and makes a new one next time.
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
        if wasSignalled { return }
        guard let stored = pthread_getspecific(Self.threadKey) else { return }
        pthread_setspecific(Self.threadKey, nil)
        Unmanaged<BlockingWaiter>.fromOpaque(stored).release()
    }

    /// Each thread's cached waiter, released when the thread ends.
    private static let threadKey = ThreadLocalObjectKey.make()
}
