import Locking

/// A single-producer, single-consumer queue that hands elements over in bulk: the consumer swaps out
/// everything pending under one lock, so the producer's cost per element is one short lock and no
/// allocation once the buffers have grown. The producer signals only when the consumer sleeps.
final class Handoff<Element>: @unchecked Sendable {
    // @unchecked: every field is read and written with `lock` held.
    private let lock = ConditionLock()
    private let available = Condition()
    private var pending: [Element] = []
    private var closed = false
    private var consumerSleeping = false

    init(capacity: Int) {
        pending.reserveCapacity(capacity)
    }

    /// Appends one element.
    func push(_ element: Element) {
        lock.lock()
        pending.append(element)
        let wake = consumerSleeping
        lock.unlock()
        if wake { available.signal() }
    }

    /// Marks the end: the consumer gets what is pending, then `false`.
    func close() {
        lock.withLock { closed = true }
        available.signal()
    }

    /// Waits for elements and swaps them into `batch` (which should be empty; its capacity is reused).
    ///
    /// - Returns: `false` once the queue is closed and drained.
    func take(into batch: inout [Element]) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        while pending.isEmpty && !closed {
            consumerSleeping = true
            available.wait(lock)
            consumerSleeping = false
        }
        if pending.isEmpty { return false }
        swap(&pending, &batch)
        return true
    }
}
