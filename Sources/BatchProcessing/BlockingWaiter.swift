import Locking

/// One thread blocked until a ``ResultCell`` it registered with is filled.
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
}
